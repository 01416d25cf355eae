-- wrk: each request asks for a random 4 KiB-aligned 4 KiB range of the 1 GiB file.
math.randomseed(6)
local blocks = math.floor(1073741824 / 4096)

request = function()
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  local start = math.random(0, blocks - 1) * 4096
  headers["Range"] = "bytes=" .. start .. "-" .. (start + 4095)
  return wrk.format(nil, nil, headers)
end
