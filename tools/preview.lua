-- Pandoc Lua filter for the knitr preview of the Quarto site (tools/render_site.R).
-- Quarto itself handles these constructs; pandoc alone does not, so the preview:
--   * lays a `.panel-tabset` out as side-by-side panes (one per `##` heading: Python | R),
--     keeping the tab headings out of the table of contents;
--   * gives `.callout-*` divs a title bar;
--   * numbers the R figures labelled `fig-...` (and their Python twins `...-py` alike) and turns
--     `@fig-...` into "Figure N" links;
--   * points links to `.qmd` pages at the rendered `.html`.

local figure_numbers = {}

local function stringify(x)
  return pandoc.utils.stringify(x)
end

-- knitr writes an R figure with a caption as <div class="figure"><img src=".../fig-name-1.png">
-- <p class="caption">...</p></div>, which pandoc reads as a Div holding raw HTML pieces.
local function figure_label(div)
  local label = nil
  div:walk({RawInline = function(raw)
    label = label or raw.text:match('/(fig%-[%w%-_]-)%-%d+%.png"')
  end})
  return label
end

-- Puts "Figure n:" in front of a knitr figure div's caption.
local function prefix_caption(div, n)
  local content = pandoc.List()
  local after_caption = false
  for _, block in ipairs(div.content) do
    if after_caption and block.t == "Plain" then
      block.content:insert(1, pandoc.Strong({pandoc.Str("Figure " .. n .. ":")}))
      block.content:insert(2, pandoc.Space())
      after_caption = false
    end
    if block.t == "RawBlock" and block.text:find('class="caption"', 1, true) then
      after_caption = true
    end
    content:insert(block)
  end
  div.content = content
  return div
end

-- The Python twin of `fig-NAME-r` is the chunk `NAME-py`: it gets the same number.
local function python_twin(div)
  local name = nil
  div:walk({RawInline = function(raw)
    name = name or raw.text:match('/([%w%-_]-)%-py%-%d+%.png"')
  end})
  return name and ("fig-" .. name .. "-r") or nil
end

local function number_figures(doc)
  local n = 0
  doc = doc:walk({Div = function(div)
    if not div.classes:includes("figure") then return nil end
    local label = figure_label(div)
    if not label or figure_numbers[label] then return nil end
    n = n + 1
    figure_numbers[label] = n
    div.identifier = label
    return prefix_caption(div, n)
  end})
  return doc:walk({Div = function(div)
    if not div.classes:includes("figure") then return nil end
    local twin = python_twin(div)
    if not twin or not figure_numbers[twin] then return nil end
    return prefix_caption(div, figure_numbers[twin])
  end})
end

local function tabset(div)
  local panes = {}
  local current = nil
  for _, block in ipairs(div.content) do
    if block.t == "Header" then
      current = pandoc.Div({}, pandoc.Attr("", {"lt-pane"}))
      local label = stringify(block.content)
      current.attributes["data-lang"] = label:lower()
      current.content:insert(pandoc.Div({pandoc.Plain({pandoc.Str(label)})}, pandoc.Attr("", {"lt-pane-label"})))
      table.insert(panes, current)
    elseif current then
      current.content:insert(block)
    end
  end
  local classes = {"lt-tabset"}
  return pandoc.Div(panes, pandoc.Attr(div.identifier, classes))
end

local callout_titles = {
  ["callout-note"] = "Note", ["callout-tip"] = "Tip", ["callout-warning"] = "Warning",
  ["callout-important"] = "Important", ["callout-caution"] = "Caution",
}

local function callout(div, kind)
  local title = div.attributes["title"]
  local content = div.content
  if (not title) and #content > 0 and content[1].t == "Header" then
    title = stringify(content[1].content)
    content = pandoc.List({table.unpack(content, 2)})
  end
  title = title or callout_titles[kind]
  local header = pandoc.Div({pandoc.Plain({pandoc.Strong({pandoc.Str(title)})})}, pandoc.Attr("", {"lt-callout-title"}))
  local body = pandoc.Div(content, pandoc.Attr("", {"lt-callout-body"}))
  return pandoc.Div({header, body}, pandoc.Attr(div.identifier, {"lt-callout", "lt-" .. kind}))
end

local function Div(div)
  if div.classes:includes("panel-tabset") then
    return tabset(div)
  end
  for kind, _ in pairs(callout_titles) do
    if div.classes:includes(kind) then
      return callout(div, kind)
    end
  end
  return nil
end

local function Cite(cite)
  local id = cite.citations[1].id
  if id:match("^fig%-") then
    local n = figure_numbers[id]
    local text = n and ("Figure " .. n) or id
    return pandoc.Link({pandoc.Str(text)}, "#" .. id)
  end
  return nil
end

local function Link(link)
  local target = link.target
  if not target:match("^%a+://") then
    local new = target:gsub("%.qmd$", ".html"):gsub("%.qmd#", ".html#")
    if new ~= target then
      link.target = new
      return link
    end
  end
  return nil
end

function Pandoc(doc)
  doc = number_figures(doc)
  doc = doc:walk({Div = Div})
  doc = doc:walk({Cite = Cite, Link = Link})
  return doc
end
