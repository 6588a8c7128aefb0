-- Pandoc Lua filter: puts "Download: notebook · R Markdown" at the top of every lesson page,
-- linking the files tools/lesson_downloads.py writes beside the page's HTML (NAME.ipynb with the
-- Python half, NAME.Rmd with the R half). Used by Quarto (_quarto.yml) and by the knitr preview
-- (tools/render_site.R). Every page but index is a lesson.

local function page_name()
  local file = nil
  if quarto and quarto.doc and quarto.doc.input_file then
    file = quarto.doc.input_file
  elseif PANDOC_STATE.output_file then
    file = PANDOC_STATE.output_file
  end
  if not file then return nil end
  local name = file:match("([^/\\]+)$")
  return (name:gsub("%.knit%.md$", ""):gsub("%.[^.]+$", ""))
end

function Pandoc(doc)
  local name = page_name()
  if not name or name == "index" or not FORMAT:match("html") then
    return nil
  end
  local function link(text, file)
    return pandoc.Link({pandoc.Str(text)}, file, "", pandoc.Attr("", {}, {{"download", file}}))
  end
  local line = pandoc.Para({
    pandoc.Str("Download:"), pandoc.Space(), link("notebook", name .. ".ipynb"),
    pandoc.Space(), pandoc.Str("·"), pandoc.Space(), link("R Markdown", name .. ".Rmd"),
  })
  doc.blocks:insert(1, pandoc.Div({line}, pandoc.Attr("", {"lt-downloads"})))
  return doc
end
