/**
 * The Lua scripts of the endpoint scheduler. Every state change of one endpoint is ONE script on
 * that endpoint's keys (which share the hash tag `{endpointId}`, so Redis Cluster keeps them in one
 * slot), so replicas never race, and time comes from Redis `TIME`, so replica clocks do not matter.
 *
 * Per endpoint, a hash (state) and a sorted set (in flight):
 *
 * | field | meaning |
 * |---|---|
 * | `st` | the turn ring: `i` idle (no known work), `q` queued (a turn job is waiting), `r` running (a turn is taking work), `p` parked (a delayed turn job will come) |
 * | `gen`, `ep` | generation and epoch: the turn job `t:{endpoint}:{ep}:{gen}` is the only live one; any other is stale |
 * | `until` | for `q` and `r`: when the state is considered lost; for `p`: when the delayed job fires |
 * | `why` | why parked: `time` (work due later), `conc` (no free slot), `rate` (paced), `probe` (a half-open probe is out) |
 * | `dirty`, `fut` | work that arrived while a turn ran: due now / the earliest due later |
 * | `lim`, `ss`, `cut` | adaptive concurrency (AIMD with slow start): the limit, the slow-start threshold, the last decrease |
 * | `fails`, `brk`, `bu`, `bd`, `pt`, `pu` | circuit breaker: consecutive unhealthy attempts, state (`c` closed, `o` open, `h` half-open), open until, open duration, the probe's token and deadline |
 * | `pn` | an attempt was asked for (probeNow) while the probe was out: a failed probe re-probes at once |
 * | `tat`, `rtt` | GCRA theoretical arrival time (paced rate limit); smoothed response time |
 *
 * The in-flight set holds one member per admitted send, scored by the end of its lease, so a
 * crashed sender's slot frees itself.
 */

/** ms since the epoch, on the Redis clock. */
const PRELUDE = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * Work of the endpoint is due after `delay` ms (0: now). Starts a turn if none is coming:
 * KEYS: state. ARGV: delayMs, queuedStaleMs, stateTtlMs, epochIfNew, refill (1: the caller is
 * handing this endpoint's slots on and runs short of deliveries: a turn parked only because every
 * slot is taken comes now, to claim ahead).
 * Answers {add, gen, epoch, delayMs}: add = 1 when the caller must add turn job (gen) with that delay.
 */
export const NOTIFY = `${PRELUDE}
local h = KEYS[1]
local now = nowMs()
local delay = math.max(0, tonumber(ARGV[1]))
local due = now + delay
local staleMs, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
local s = redis.call('HMGET', h, 'st', 'gen', 'ep', 'until', 'why', 'fut')
local st, gen, ep, untl, why, fut = s[1] or 'i', tonumber(s[2]) or 0, s[3], tonumber(s[4]) or 0, s[5], tonumber(s[6])
if not ep then
  ep = ARGV[4]
  redis.call('HSET', h, 'ep', ep)
end
local out = {0, gen, ep, 0}
local function remember()
  if delay > 0 then
    if not fut or due < fut then redis.call('HSET', h, 'fut', due) end
  else
    redis.call('HSET', h, 'dirty', 1)
  end
end
local function schedule(at)
  gen = gen + 1
  if at <= now then
    redis.call('HSET', h, 'st', 'q', 'gen', gen, 'until', now + staleMs, 'why', '')
    out = {1, gen, ep, 0}
  else
    redis.call('HSET', h, 'st', 'p', 'gen', gen, 'until', at, 'why', 'time')
    out = {1, gen, ep, at - now}
  end
end
local live = untl > now
if live and st == 'r' then
  remember()
elseif live and st == 'q' then
  if delay > 0 then remember() end
elseif live and st == 'p' then
  if why == 'time' then
    if due < untl then schedule(due) end
  elseif why == 'conc' and ARGV[5] == '1' then
    schedule(now)
  else
    remember()
  end
else
  schedule(due)
end
redis.call('PEXPIRE', h, ttl)
return out
`;

/**
 * A turn job starts: checks it is the live one, then admits up to `want` sends.
 * KEYS: state, inflight. ARGV: gen, want, tokenPrefix, ratePerSecond (0: none), burst, marginMs,
 * horizonMs, tokenLeaseMs, maxInFlight, initialLimit, runLeaseMs, parkConcMs, probeTtlMs,
 * queuedStaleMs, stateTtlMs, held (sends to this endpoint the caller has in flight and hands
 * slots on from: with every slot taken it still gets a turn, of 0 slots, to claim ahead).
 * Answers:
 *   {0}                                   stale: another job is the live one
 *   {1, gen, epoch, delayMs, why}         parked: add turn job (gen) with that delay
 *   {2, n, limitedBy, tat, brk, now, rtt, lim, offset…}  send n (tokens tokenPrefix:1..n), each not before its offset
 *       (ms from now, Redis clock); rtt: the endpoint's smoothed response time (-1: none yet); lim: its limit now
 *   {3, n, openForMs}                     the circuit is open: record n due deliveries as not sent
 *   {4, gen, epoch}                       want was 0 (this process is full): add turn job (gen) now for any replica
 */
export const BEGIN = `${PRELUDE}
local h, inflight = KEYS[1], KEYS[2]
local now = nowMs()
local gen, want, prefix = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local rate, burst, margin, horizon = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local tokenLease, maxInFlight, initial = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local runLease, parkConc, probeTtl, staleMs, ttl = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15])
local held = tonumber(ARGV[16]) or 0
local s = redis.call('HMGET', h, 'gen', 'ep', 'lim', 'brk', 'bu', 'pt', 'pu', 'tat', 'rtt')
if tonumber(s[1]) ~= gen then return {0} end
local ep = s[2]
local function park(why, at)
  gen = gen + 1
  redis.call('HSET', h, 'st', 'p', 'gen', gen, 'until', at, 'why', why)
  redis.call('PEXPIRE', h, ttl)
  return {1, gen, ep, math.max(0, at - now), why}
end
if want <= 0 then
  gen = gen + 1
  redis.call('HSET', h, 'st', 'q', 'gen', gen, 'until', now + staleMs, 'why', '')
  redis.call('PEXPIRE', h, ttl)
  return {4, gen, ep}
end
redis.call('HSET', h, 'st', 'r', 'until', now + runLease, 'dirty', 0)
redis.call('HDEL', h, 'fut')
local brk, bu = s[4] or 'c', tonumber(s[5]) or 0
if brk == 'o' then
  if bu > now then
    redis.call('PEXPIRE', h, ttl)
    return {3, want, bu - now}
  end
  brk = 'h'
  redis.call('HSET', h, 'brk', 'h')
end
local n, limitedBy, limNow = want, '', 1
if brk == 'h' then
  if s[6] and (tonumber(s[7]) or 0) > now then return park('probe', tonumber(s[7])) end
  n, limitedBy = 1, 'probe'
else
  redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
  local lim = math.min(maxInFlight, math.floor(tonumber(s[3]) or initial))
  limNow = lim
  local free = lim - redis.call('ZCARD', inflight)
  if free <= 0 and held <= 0 then return park('conc', now + parkConc) end
  if free < n then n, limitedBy = math.max(0, free), 'conc' end
end
local offsets = {}
local tatOut = ''
if rate > 0 and n > 0 then
  local T = (1000 + margin) / rate
  local tau = (burst - 1) * T
  local tat = tonumber(s[8]) or now
  if tat < now then tat = now end
  for i = 1, n do
    local start = math.max(now, tat - tau)
    if start - now > horizon then break end
    offsets[#offsets + 1] = math.ceil(start - now)
    tat = math.max(tat, start) + T
  end
  if #offsets == 0 then return park('rate', math.max(now + 1, math.floor(tat - tau - horizon / 2))) end
  if #offsets < n then n, limitedBy = #offsets, 'rate' end
  tatOut = tostring(tat)
  redis.call('HSET', h, 'tat', tatOut)
else
  for i = 1, n do offsets[i] = 0 end
end
for i = 1, n do
  redis.call('ZADD', inflight, now + offsets[i] + tokenLease, prefix .. ':' .. i)
end
redis.call('PEXPIRE', inflight, horizon + tokenLease + 1000)
if brk == 'h' then
  redis.call('HSET', h, 'pt', prefix .. ':1', 'pu', now + offsets[1] + probeTtl)
  redis.call('HDEL', h, 'pn')
end
redis.call('PEXPIRE', h, ttl)
local out = {2, n, limitedBy, tatOut, brk, now, tostring(tonumber(s[9]) or -1), limNow}
for i = 1, n do out[#out + 1] = offsets[i] end
return out
`;

/**
 * A turn of a ring without limits (an application's fan-out) starts: checks it is the live one.
 * KEYS: state. ARGV: gen, runLeaseMs, stateTtlMs. Answers 1 (go) or 0 (stale).
 */
export const BEGIN_PLAIN = `${PRELUDE}
local h = KEYS[1]
if tonumber(redis.call('HGET', h, 'gen')) ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', h, 'st', 'r', 'until', nowMs() + tonumber(ARGV[2]), 'dirty', 0)
redis.call('HDEL', h, 'fut')
redis.call('PEXPIRE', h, tonumber(ARGV[3]))
return 1
`;

/**
 * A turn ends: frees the admitted sends it did not use, then re-queues the endpoint at the back
 * of the ring (it may have more), parks it (a limit, or work due later), or lets it go idle.
 * KEYS: state, inflight. ARGV: gen, claimed, asked, limitedBy, nextDueDelayMs (-1: none), tat
 * (as BEGIN answered, '' for none), emissionMs (0: no rate), burst, horizonMs, initialLimit,
 * wakeFraction, parkConcMs, queuedStaleMs, stateTtlMs, retryInMs (-1; else the turn failed: come
 * back after that long), then the unused tokens.
 * Answers {add, gen, epoch, delayMs, why}: why is the reason when the endpoint was parked.
 */
export const END = `${PRELUDE}
local h, inflight = KEYS[1], KEYS[2]
local now = nowMs()
local gen, claimed, asked, limitedBy = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local nextDueDelay, tatAfter, T, burst, horizon = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local initial, wakeFraction, parkConc, staleMs, ttl, retryIn = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15])
local unused = {}
for i = 16, #ARGV do unused[#unused + 1] = ARGV[i] end
local s = redis.call('HMGET', h, 'gen', 'ep', 'dirty', 'fut', 'tat', 'lim', 'pt', 'pu')
if #unused > 0 then
  redis.call('ZREM', inflight, unpack(unused))
  for _, token in ipairs(unused) do
    if s[7] == token then redis.call('HDEL', h, 'pt', 'pu') end
  end
  -- give back the paced starts nobody used, unless another turn reserved after them
  if T > 0 and tatAfter ~= '' and s[5] == tatAfter then
    redis.call('HSET', h, 'tat', tostring(tonumber(tatAfter) - #unused * T))
  end
end
if tonumber(s[1]) ~= gen then return {0, 0, '', 0} end
local ep = s[2]
local function schedule(at, why)
  gen = gen + 1
  if at <= now then
    redis.call('HSET', h, 'st', 'q', 'gen', gen, 'until', now + staleMs, 'why', '')
    redis.call('HDEL', h, 'fut', 'dirty')
    redis.call('PEXPIRE', h, ttl)
    return {1, gen, ep, 0, ''}
  end
  redis.call('HSET', h, 'st', 'p', 'gen', gen, 'until', at, 'why', why)
  redis.call('PEXPIRE', h, ttl)
  return {1, gen, ep, at - now, why}
end
if retryIn >= 0 then return schedule(now + retryIn, 'time') end
local fut = tonumber(s[4])
local nextDue = nil
if nextDueDelay >= 0 then nextDue = now + nextDueDelay end
if fut and (not nextDue or fut < nextDue) then nextDue = fut end
local more = asked > 0 and claimed >= asked
if more or s[3] == '1' then
  if limitedBy == 'conc' then
    redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
    local lim = math.floor(tonumber(s[6]) or initial)
    local free = lim - redis.call('ZCARD', inflight)
    if free >= math.max(1, math.floor(lim * wakeFraction)) then return schedule(now, '') end
    return schedule(now + parkConc, 'conc')
  elseif limitedBy == 'rate' and T > 0 then
    local tat = tonumber(redis.call('HGET', h, 'tat')) or now
    return schedule(math.max(now, math.floor(tat - (burst - 1) * T - horizon / 2)), 'rate')
  elseif limitedBy == 'probe' then
    local pu = tonumber(redis.call('HGET', h, 'pu'))
    if pu and pu > now then return schedule(pu, 'probe') end
  end
  return schedule(now, '')
end
if nextDue then return schedule(nextDue, 'time') end
redis.call('HSET', h, 'st', 'i')
redis.call('HDEL', h, 'until', 'why', 'fut', 'dirty')
redis.call('PEXPIRE', h, ttl)
return {0, gen, ep, 0}
`;

/**
 * Sends finished (or were given back): frees their slots, adapts the limit and the breaker, and
 * wakes the endpoint if it was parked for a reason that is gone. A send may say it kept its slot
 * for the next delivery this process holds for the endpoint (reuse): the slot's lease restarts
 * while the circuit is closed; answered 0 when the circuit opened meanwhile.
 * KEYS: state, inflight. ARGV: maxInFlight, initialLimit, wakeFraction, failureThreshold,
 * openMs, maxOpenMs, queuedStaleMs, stateTtlMs, tokenLeaseMs, then quads (token, outcome, ms,
 * reuse 0|1): outcome `ok` (2xx), `drop` (no answer, or 429/502/503/504: overload), `answer`
 * (another status: the endpoint is reachable), `none` (not sent: only frees the slot).
 * Answers {wake, gen, epoch, brk, lim, inflight, fails, openForMs, reused per quad (1|0)…}.
 */
export const RELEASE = `${PRELUDE}
local h, inflight = KEYS[1], KEYS[2]
local now = nowMs()
local maxInFlight, initial, wakeFraction, threshold = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local openMs, maxOpen, staleMs, ttl, tokenLease = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local s = redis.call('HMGET', h, 'st', 'gen', 'ep', 'until', 'why', 'lim', 'ss', 'cut', 'fails', 'brk', 'bu', 'bd', 'pt', 'rtt')
local lim, ss, cut, fails = tonumber(s[6]) or initial, tonumber(s[7]) or maxInFlight, tonumber(s[8]) or 0, tonumber(s[9]) or 0
local brk, bu, bd, pt, rtt = s[10] or 'c', tonumber(s[11]) or 0, tonumber(s[12]) or 0, s[13], tonumber(s[14])
redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
local busy = redis.call('ZCARD', inflight)
local reuse = {}
for i = 10, #ARGV, 4 do
  local token, outcome, ms, wants = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3] == '1'
  local probe = pt and pt == token
  local asked = false
  if probe then
    pt = nil
    asked = redis.call('HGET', h, 'pn') == '1'
    redis.call('HDEL', h, 'pt', 'pu', 'pn')
  end
  if outcome == 'ok' then
    fails = 0
    if rtt then rtt = rtt * 0.8 + ms * 0.2 else rtt = ms end
    if brk ~= 'c' then
      brk, lim, ss, bd = 'c', initial, maxInFlight, 0
    elseif busy * 2 >= lim then
      if lim < ss then lim = lim + 1 else lim = lim + 1 / lim end
      if lim > maxInFlight then lim = maxInFlight end
    end
  elseif outcome == 'drop' then
    fails = fails + 1
    -- at most one decrease per round trip, like TCP: sends that failed together count once
    if now - cut >= math.min(1000, math.max(50, rtt or 50)) then
      ss = math.max(2, lim / 2)
      lim = math.max(1, lim / 2)
      cut = now
    end
    if brk == 'h' and probe then
      bd = math.min(maxOpen, math.max(openMs, bd * 2))
      brk, bu = 'o', now + bd
      -- someone asked for an attempt while this probe was out: its verdict is older than the
      -- request, so the next turn probes again at once
      if asked then bu = now end
    elseif brk == 'c' and fails >= threshold then
      bd = openMs
      brk, bu = 'o', now + bd
    end
  elseif outcome == 'answer' then
    fails = 0
    if brk == 'h' and probe then brk, lim, ss, bd = 'c', initial, maxInFlight, 0 end
  end
  -- keep the slot for the next delivery (the sender has handed it on already) while the circuit is
  -- closed; the count does not change, so ENDPOINT_MAX_IN_FLIGHT holds, and the adaptive limit
  -- takes effect at the next slot that is not handed on. A slot whose lease ran out is taken
  -- again only if the endpoint has room.
  local kept = 0
  if wants and brk == 'c' and (redis.call('ZSCORE', inflight, token) or redis.call('ZCARD', inflight) < maxInFlight) then
    redis.call('ZADD', inflight, now + tokenLease, token)
    kept = 1
  else
    redis.call('ZREM', inflight, token)
  end
  reuse[#reuse + 1] = kept
end
redis.call('HSET', h, 'lim', tostring(lim), 'ss', tostring(ss), 'cut', cut, 'fails', fails, 'brk', brk, 'bu', bu, 'bd', bd)
if rtt then redis.call('HSET', h, 'rtt', tostring(rtt)) end
local left = redis.call('ZCARD', inflight)
local gen, ep = tonumber(s[2]) or 0, s[3]
local wake = 0
if s[1] == 'p' and ep and (tonumber(s[4]) or 0) > now then
  local why = s[5]
  if why == 'conc' then
    if brk == 'o' or math.floor(lim) - left >= math.max(1, math.floor(lim * wakeFraction)) then wake = 1 end
  elseif why == 'probe' then
    if not pt then wake = 1 end
  end
end
if wake == 1 then
  gen = gen + 1
  redis.call('HSET', h, 'st', 'q', 'gen', gen, 'until', now + staleMs, 'why', '')
end
redis.call('PEXPIRE', h, ttl)
redis.call('PEXPIRE', inflight, tokenLease + 1000)
local openFor = 0
if brk == 'o' then openFor = math.max(0, bu - now) end
local out = {wake, gen, ep or '', brk, tostring(lim), left, fails, openFor}
for _, kept in ipairs(reuse) do out[#out + 1] = kept end
return out
`;

/**
 * Starts a turn whatever the state says (the reconciler found work overdue and the turn that
 * should take it lost). KEYS: state. ARGV: queuedStaleMs, stateTtlMs, epochIfNew.
 * Answers {1, gen, epoch, 0}.
 */
export const FORCE = `${PRELUDE}
local h = KEYS[1]
local now = nowMs()
local s = redis.call('HMGET', h, 'gen', 'ep')
local gen, ep = (tonumber(s[1]) or 0) + 1, s[2]
if not ep then ep = ARGV[3] end
redis.call('HSET', h, 'st', 'q', 'gen', gen, 'ep', ep, 'until', now + tonumber(ARGV[1]), 'why', '')
redis.call('PEXPIRE', h, tonumber(ARGV[2]))
return {1, gen, ep, 0}
`;

/**
 * Someone asked for an attempt now (a resend, a recover): an open circuit lets its probe through
 * at once instead of at the end of its open time. A half-open one (a probe already out, sent before
 * the request) is marked `pn`: if that probe fails, the circuit is probed again at once rather than
 * after its doubled open time. KEYS: state. Answers 1 when it was open or half-open.
 */
export const PROBE_NOW = `${PRELUDE}
local h = KEYS[1]
local brk = redis.call('HGET', h, 'brk')
if brk == 'h' then
  redis.call('HSET', h, 'pn', 1)
  return 1
end
if brk ~= 'o' then return 0 end
redis.call('HSET', h, 'bu', nowMs())
return 1
`;

/**
 * Is the circuit still open (a turn told so claimed a Manual delivery, which a person may have
 * asked for since: probeNow runs before that delivery is written, so a reset shows here)?
 * KEYS: state. Answers the ms it stays open, or -1 when it is no longer open.
 */
export const STILL_OPEN = `${PRELUDE}
local h = KEYS[1]
local s = redis.call('HMGET', h, 'brk', 'bu')
local now = nowMs()
if s[1] ~= 'o' or (tonumber(s[2]) or 0) <= now then return -1 end
return tonumber(s[2]) - now
`;

/**
 * Reads an endpoint's state (stats, metrics, the reconciler). KEYS: state, inflight.
 * Answers {st, gen, epoch, untilInMs, why, lim, brk, openForMs, fails, inflight}.
 */
export const INSPECT = `${PRELUDE}
local h, inflight = KEYS[1], KEYS[2]
local now = nowMs()
local s = redis.call('HMGET', h, 'st', 'gen', 'ep', 'until', 'why', 'lim', 'brk', 'bu', 'fails')
local untilIn = -1
if s[4] then untilIn = tonumber(s[4]) - now end
local openFor = 0
if s[7] == 'o' then openFor = math.max(0, (tonumber(s[8]) or 0) - now) end
return {s[1] or '', tonumber(s[2]) or 0, s[3] or '', untilIn, s[5] or '', s[6] or '', s[7] or 'c', openFor, tonumber(s[9]) or 0, redis.call('ZCOUNT', inflight, now, '+inf')}
`;
