-- wrk script for bench/wrk.ts: every request polls a random registered host with its own token.
dofile(os.getenv("KICKSTAND_BENCH_LUA") .. "/spread.lua")
local hosts = {}
for line in io.lines(os.getenv("KICKSTAND_BENCH_HOSTS")) do
  local id, token = line:match("^(%S+) (%S+)$")
  hosts[#hosts + 1] = { path = "/api/v1/discovery/" .. id .. "/next", auth = "Bearer " .. token }
end
math.randomseed(os.time())

setup = function(thread)
  spread(thread)
end

request = function()
  local h = hosts[math.random(#hosts)]
  return wrk.format("GET", h.path, { ["Authorization"] = h.auth })
end
