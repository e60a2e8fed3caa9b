-- Figures load when the reader scrolls near them (loading="lazy"), except the page's first
-- image, which is often what the reader sees first; the browser decodes them off the main
-- thread (decoding="async"). A PNG also gets its width and height, so that the page keeps the
-- figure's place before it loads and nothing moves when it arrives (no layout shift). Only for
-- HTML; an image that already says how to load, or how large it is, is left alone.
local seen = 0

-- width and height of a PNG file (from its IHDR chunk), or nil
local function png_size(path)
  local file = io.open(path, "rb")
  if file == nil then
    return nil
  end
  local header = file:read(24)
  file:close()
  if header == nil or #header < 24 or header:sub(2, 4) ~= "PNG" then
    return nil
  end
  local function number(at)
    local a, b, c, d = header:byte(at, at + 3)
    return ((a * 256 + b) * 256 + c) * 256 + d
  end
  return number(17), number(21)
end

function Image(image)
  if not quarto.doc.is_format("html") then
    return nil
  end
  seen = seen + 1
  if seen > 1 and image.attributes["loading"] == nil then
    image.attributes["loading"] = "lazy"
  end
  if image.attributes["decoding"] == nil then
    image.attributes["decoding"] = "async"
  end
  if image.attributes["width"] == nil and image.attributes["height"] == nil
      and not image.src:match("^%a+:") then
    local folder = pandoc.path.directory(quarto.doc.input_file)
    local width, height = png_size(pandoc.path.join({folder, image.src}))
    if width ~= nil then
      image.attributes["width"] = tostring(width)
      image.attributes["height"] = tostring(height)
      -- Quarto adds its responsive class only to images without a width: keep it
      if not image.classes:includes("img-fluid") then
        image.classes:insert("img-fluid")
      end
    end
  end
  return image
end
