--[[ Links under the title of every page made from a notebook: "Open in Colab", "Launch Binder"
and "Download this notebook", all from one setting, `book: repo-url:` and `repo-branch:` (and
`repo-subdir:` if the book is not at the repository's root) in _quarto.yml, Quarto's own options.

While `repo-url` is empty only the download link is shown: it points at the site's own copy of
the notebook (`project: resources:` copies the .ipynb files beside their pages). Colab and Binder
open notebooks from GitHub, so any other repo-url is an error that says so.
Colab:  https://colab.research.google.com/github/OWNER/REPO/blob/BRANCH/PATH.ipynb
Binder: https://mybinder.org/v2/gh/OWNER/REPO/BRANCH?labpath=PATH.ipynb (Binder builds the
        environment from environment.yml at the repository's root) ]]

local function setting(book, key)
  local value = book and book[key]
  if value == nil then
    return ""
  end
  return pandoc.utils.stringify(value):gsub("^%s+", ""):gsub("%s+$", "")
end

local function escape(text)
  return (text:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

local function item(class, href, text, extra)
  return string.format('<li><a class="%s" href="%s"%s>%s</a></li>', class, escape(href),
    extra or "", text)
end

function Pandoc(doc)
  local input = quarto.doc.input_file
  if not quarto.doc.is_format("html") or not input:match("%.ipynb$") then
    return nil
  end
  local book = doc.meta.book
  local repo, branch = setting(book, "repo-url"), setting(book, "repo-branch")
  local subdir = setting(book, "repo-subdir"):gsub("^/+", ""):gsub("/+$", "")
  local path = pandoc.path.make_relative(input, quarto.project.directory):gsub("\\", "/")
  if subdir ~= "" then
    path = subdir .. "/" .. path
  end
  local name = pandoc.path.filename(input)
  local items = {}
  if repo ~= "" then
    local owner, project = repo:match("^https://github%.com/([%w%-%._]+)/([%w%-%._]+)/?$")
    if not owner then
      error("book: repo-url in _quarto.yml is '" .. repo .. "'; the notebook links need a "
        .. "GitHub repository's address, https://github.com/OWNER/REPO (Colab and Binder open "
        .. "notebooks from GitHub), or nothing")
    end
    project = project:gsub("%.git$", "")
    if branch == "" then
      branch = "main" -- Quarto's default for repo-branch
    end
    local colab = string.format("https://colab.research.google.com/github/%s/%s/blob/%s/%s",
      owner, project, branch, path)
    local binder = string.format("https://mybinder.org/v2/gh/%s/%s/%s?labpath=%s",
      owner, project, branch, path)
    table.insert(items, item("notebook-link-colab", colab, "Open in Colab"))
    table.insert(items, item("notebook-link-binder", binder, "Launch Binder"))
  end
  -- data-noresolveinput: Quarto would otherwise turn a link to a notebook into one to its page
  table.insert(items, item("notebook-link-download", name, "Download this notebook",
    ' download="' .. escape(name) .. '" data-noresolveinput'))
  local html = '<div class="notebook-links">\n<ul>\n' .. table.concat(items, "\n")
    .. "\n</ul>\n</div>"
  doc.blocks:insert(1, pandoc.RawBlock("html", html))
  return doc
end
