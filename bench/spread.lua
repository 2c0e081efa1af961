-- Shared by the wrk scripts (bench/wrk.ts): with several instances (KICKSTAND_BENCH_PORTS, comma
-- separated), wrk runs one thread per instance and thread i sends to the i-th port on 127.0.0.1, its
-- share of the connections with it. spread(thread) is called from each script's setup(); it returns
-- the thread's number (1, 2, …).
local ports = {}
for port in string.gmatch(os.getenv("KICKSTAND_BENCH_PORTS") or "", "%d+") do
  ports[#ports + 1] = port
end
local threads = 0

function spread(thread)
  threads = threads + 1
  if #ports > 0 then
    thread.addr = wrk.lookup("127.0.0.1", ports[(threads - 1) % #ports + 1])[1]
  end
  return threads
end
