-- The Lua workload: recursion, string building and table sorting.
-- usage: lua bench.lua [SCALE]   (SCALE 0: start-up only)
local scale = tonumber(arg and arg[1]) or 1
if scale == 0 then return end

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local sum = 0
for _ = 1, scale do
  sum = sum + fib(20)
  local parts = {}
  for i = 1, 3000 do
    parts[#parts + 1] = string.format("%d:%s", i, tostring(i * 7 % 13))
  end
  local s = table.concat(parts, ",")
  sum = sum + #s + #(s:gsub("1", "one"))
  local t = {}
  for i = 1, 3000 do t[i] = (i * 7919) % 10007 end
  table.sort(t)
  table.sort(t, function(a, b) return a > b end)
  sum = sum + t[1]
end
io.stderr:write(string.format("lua-sum=%d\n", sum))
