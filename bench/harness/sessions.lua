-- wrk script: every connection plays whole USSD sessions of the demo menu, Africa's
-- Talking style (form posts; `text` carries every answer so far joined by "*").
--
--   wrk -t 32 -c 32 -d 20s --timeout 10s -s bench/harness/sessions.lua URL -- \
--       MODE TOKEN PREFIX PHONE_PREFIX SERVICE_CODE THREADS
--
-- MODE "app": hops 1-4 must answer "CON ...", hop 5 "END ..."; MODE "baseline": every
-- hop must answer "CON ..." (the baseline replies a constant screen).
-- harness/load.py starts wrk with as many threads as connections: wrk tells a script
-- neither which connection a response belongs to nor lets it keep state per connection,
-- so one connection per thread (one Lua state each) keeps a session's hops in order.
-- Each session has a new sessionId (PREFIX-thread-n) and a new phone number (+PHONE_PREFIX
-- and 7 digits), so neither callback de-duplication nor the resume offer ever kicks in; the
-- warm-up and the measured run get different prefixes (harness/load.py). At the end one
-- line "BENCH_RESULT {json}" is printed for harness/load.py.

local threads = {}
local next_index = 0

function setup(thread)
   thread:set("tid", next_index)
   next_index = next_index + 1
   table.insert(threads, thread)
end

local mode, token, prefix, phone_prefix, service_code
local headers
local hop = 0            -- index of the next hop of the current session (0 = dial)
local counter = 0        -- sessions started by this thread
local inputs = {}
local session_id, phone_field
local stride = 1

-- Counters read by done() through thread:get().
sessions_done = 0
hops_ok = 0
bad = 0
bad_sample = ""

local function urlencode(s)
   return (string.gsub(s, "[^%w%-%._~]", function(c)
      return string.format("%%%02X", string.byte(c))
   end))
end

function init(args)
   mode = args[1] or "app"
   token = args[2] or ""
   prefix = args[3] or "bench"
   phone_prefix = args[4] or "22177"
   service_code = urlencode(args[5] or "*123*456#")
   local nthreads = tonumber(args[6] or "1")
   stride = math.floor(10000000 / nthreads)
   headers = {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-USSD-Token"] = token,
   }
end

local function new_session()
   counter = counter + 1
   local n = counter
   session_id = prefix .. "-" .. tid .. "-" .. n
   -- A distinct number for every session: thread tid owns numbers [tid*stride, (tid+1)*stride)
   -- (harness/callers.py, phone()).
   phone_field = "%2B" .. phone_prefix .. string.format("%07d", (tid * stride + n) % 10000000)
   -- The same answers as harness/callers.py (answers(n + tid)): both languages, every
   -- location, support type and callback answer.
   local k = n + tid
   inputs = {
      (k % 2 == 1) and "1" or "2",
      tostring(k % 3 + 1),
      tostring((k + 1) % 3 + 1),
      tostring(k % 2 + 1),
   }
   hop = 0
end

function request()
   if hop == 0 then
      new_session()
   end
   local text = table.concat(inputs, "*", 1, hop)
   local body = "sessionId=" .. session_id
      .. "&phoneNumber=" .. phone_field
      .. "&serviceCode=" .. service_code
      .. "&networkCode=60801"
      .. "&text=" .. urlencode(text)
   return wrk.format("POST", "/ussd/africastalking", headers, body)
end

function response(status, _headers, body)
   local last = (hop == 4)
   local want = "CON "
   if last and mode ~= "baseline" then
      want = "END "
   end
   if status ~= 200 or string.sub(body, 1, 4) ~= want then
      bad = bad + 1
      if bad_sample == "" then
         bad_sample = "hop " .. (hop + 1) .. ": HTTP " .. status .. ": " .. string.sub(body, 1, 120)
      end
      hop = 0 -- give up this session, start a new one
      return
   end
   hops_ok = hops_ok + 1
   if last then
      sessions_done = sessions_done + 1
      hop = 0
   else
      hop = hop + 1
   end
end

local function json_string(s)
   s = string.gsub(s, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. s .. '"'
end

function done(summary, latency, _requests)
   local total_sessions, total_ok, total_bad, sample = 0, 0, 0, ""
   for _, t in ipairs(threads) do
      total_sessions = total_sessions + (t:get("sessions_done") or 0)
      total_ok = total_ok + (t:get("hops_ok") or 0)
      total_bad = total_bad + (t:get("bad") or 0)
      local s = t:get("bad_sample") or ""
      if sample == "" and s ~= "" then
         sample = s
      end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"client": "wrk", "duration_s": %.6f, "requests": %d, "hops_ok": %d, '
         .. '"sessions_done": %d, "bad_replies": %d, "bad_sample": %s, '
         .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
         .. '"http_errors": %d, '
         .. '"latency_ms": {"min": %.3f, "mean": %.3f, "p50": %.3f, "p90": %.3f, '
         .. '"p95": %.3f, "p99": %.3f, "max": %.3f}}\n',
      summary.duration / 1e6, summary.requests, total_ok, total_sessions, total_bad,
      json_string(sample), e.connect, e.read, e.write, e.timeout, e.status,
      latency.min / 1000, latency.mean / 1000, latency:percentile(50) / 1000,
      latency:percentile(90) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000))
end
