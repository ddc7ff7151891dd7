/**
 * The Lua scripts the Redis engine runs, each one atomic on the server:
 * devices joined, left, listed, renewed and swept when their instance died;
 * a call swapped only when its id and version are still what the caller
 * read; a rate-limit token taken from a bucket shared by every instance.
 * Keys are built from the prefix each script gets as its first argument.
 * @module
 */

/** Finds a user's devices that have not expired: a flat list of device, instance. */
const LIVE_DEVICES = `
local prefix, now = ARGV[1], tonumber(ARGV[2])
local function live_devices(user)
  local fields = redis.call("HGETALL", prefix .. "user:" .. user)
  local live = {}
  for i = 1, #fields, 2 do
    local expires = redis.call("ZSCORE", prefix .. "alive", user .. "\\n" .. fields[i])
    if expires and tonumber(expires) > now then
      live[#live + 1] = fields[i]
      live[#live + 1] = fields[i + 1]
    end
  end
  return live
end
`;

/**
 * ARGV: prefix, now, user, device, instance, expires. Returns 1 when the user
 * was offline, and the other instance this device was live on ("" if none).
 */
export const JOIN = LIVE_DEVICES + `
local user, device = ARGV[3], ARGV[4]
local live = live_devices(user)
local moved_from = ""
for i = 1, #live, 2 do
  if live[i] == device and live[i + 1] ~= ARGV[5] then moved_from = live[i + 1] end
end
redis.call("HSET", prefix .. "user:" .. user, device, ARGV[5])
redis.call("ZADD", prefix .. "alive", ARGV[6], user .. "\\n" .. device)
return {#live > 0 and 0 or 1, moved_from}
`;

/** ARGV: prefix, now, user, device, instance. Returns 1 when the user has no device left. */
export const LEAVE = LIVE_DEVICES + `
local user, device = ARGV[3], ARGV[4]
local key = prefix .. "user:" .. user
-- A device that moved to another instance meanwhile is that instance's now.
if redis.call("HGET", key, device) == ARGV[5] then
  redis.call("HDEL", key, device)
  redis.call("ZREM", prefix .. "alive", user .. "\\n" .. device)
end
return #live_devices(user) > 0 and 0 or 1
`;

/** ARGV: prefix, now, user. */
export const DEVICES = LIVE_DEVICES + `
return live_devices(ARGV[3])
`;

/**
 * ARGV: prefix, instance, expires, then user, device pairs. A device another
 * instance has taken over (the page reconnected there) is that instance's to renew.
 */
export const RENEW = `
local prefix, instance, expires = ARGV[1], ARGV[2], ARGV[3]
for i = 4, #ARGV, 2 do
  local key = prefix .. "user:" .. ARGV[i]
  local owner = redis.call("HGET", key, ARGV[i + 1])
  if not owner or owner == instance then
    redis.call("HSET", key, ARGV[i + 1], instance)
    redis.call("ZADD", prefix .. "alive", expires, ARGV[i] .. "\\n" .. ARGV[i + 1])
  end
end
return 0
`;

/** ARGV: prefix, now. Takes out expired devices: user, device, 1 when the user is offline now. */
export const SWEEP = LIVE_DEVICES + `
local expired = redis.call("ZRANGEBYSCORE", prefix .. "alive", "-inf", ARGV[2], "LIMIT", 0, 500)
local lost = {}
for _, member in ipairs(expired) do
  redis.call("ZREM", prefix .. "alive", member)
  local cut = string.find(member, "\\n", 1, true)
  local user, device = string.sub(member, 1, cut - 1), string.sub(member, cut + 1)
  redis.call("HDEL", prefix .. "user:" .. user, device)
  lost[#lost + 1] = user
  lost[#lost + 1] = device
  lost[#lost + 1] = #live_devices(user) > 0 and 0 or 1
end
return lost
`;

/**
 * ARGV: prefix, user a, user b, expected "id:version" ("" for no call), the
 * next call's JSON ("" to end it), its phase. Returns 1 when swapped.
 */
export const SWAP = `
local prefix, a, b = ARGV[1], ARGV[2], ARGV[3]
local function tag(user)
  local value = redis.call("GET", prefix .. "call:" .. user)
  if not value then return "" end
  local call = cjson.decode(value)
  return call.id .. ":" .. tostring(call.version)
end
if tag(a) ~= ARGV[4] or tag(b) ~= ARGV[4] then return 0 end
local in_call = prefix .. "in-call"
if ARGV[5] == "" then
  redis.call("DEL", prefix .. "call:" .. a, prefix .. "call:" .. b)
  redis.call("SREM", in_call, a, b)
  return 1
end
redis.call("SET", prefix .. "call:" .. a, ARGV[5])
redis.call("SET", prefix .. "call:" .. b, ARGV[5])
if ARGV[6] == "active" then
  redis.call("SADD", in_call, a, b)
else
  redis.call("SREM", in_call, a, b)
end
return 1
`;

/**
 * ARGV: the bucket's key, capacity, tokens per second. A token bucket on
 * Redis's own clock, so that instances whose clocks differ share it fairly;
 * it expires once it would be full again. Returns 1 when a token was taken.
 */
export const TAKE_TOKEN = `
local key, capacity, rate = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call("HMGET", key, "tokens", "at")
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - at) / 1000 * rate)
local taken = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
end
redis.call("HSET", key, "tokens", tostring(tokens), "at", tostring(now))
redis.call("PEXPIRE", key, math.ceil((capacity - tokens) / rate * 1000) + 1)
return taken
`;
