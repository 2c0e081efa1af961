-- wrk script for bench/wrk.ts: every request registers a machine never seen before. The body is one
-- machine of bench/facts.ts (KICKSTAND_BENCH_FACTS, ~8 KB) whose number, in its MACs ("ab:cd:ef") and
-- DMI UUID ("000000abcdef"), each request replaces with its own: thread t numbers from t × 1,000,000.
dofile(os.getenv("KICKSTAND_BENCH_LUA") .. "/spread.lua")
local file = assert(io.open(os.getenv("KICKSTAND_BENCH_FACTS")))
local template = file:read("*a")
file:close()
local sent = 0

setup = function(thread)
  thread:set("first", spread(thread) * 1000000)
end

request = function()
  local n = first + sent
  sent = sent + 1
  local mac = string.format("%02x:%02x:%02x", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  local body = template:gsub("ab:cd:ef", mac):gsub("000000abcdef", string.format("%012x", n))
  return wrk.format("POST", "/api/v1/discovery", { ["Content-Type"] = "application/json" }, body)
end
