package dev.laneway.gateway.tenants;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The two Lua scripts a {@link RedisLimiter} runs, each atomic in Redis: they take a lease (a slice of a limit's
 * allowance) for one gateway, or give one back. Both reply {@code [granted, left, wait_ms, reset_ms]}: the units
 * granted (0 when fewer than {@code need} are available: a lease is all of {@code need} or nothing), what the shared
 * limit has left after it, how long until {@code need} units would be available (0 unless refused; a budget says 1:
 * its wait is the period's end), and how long
 * until the limit is whole again.
 */
final class RedisScripts {
  private RedisScripts() {}

  /**
   * A GCRA rate shared by the gateways: {@code KEYS[1]} is a hash {@code {tat, interval}}, the theoretical arrival
   * time in microseconds of the Redis server's clock ({@code TIME}, so the gateways' clocks do not matter) and the
   * emission interval it was kept at. ARGV: interval (microseconds per unit), burst (units), want (units; negative:
   * give back that many), need (the least worth granting). When a reload changes the rate, the units already used
   * are kept (the debt is converted to the new interval). The hash expires once the bucket is full again (plus a
   * minute), so idle tenants cost nothing.
   */
  static final String RATE = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      local interval = tonumber(ARGV[1])
      local burst = tonumber(ARGV[2])
      local want = tonumber(ARGV[3])
      local need = tonumber(ARGV[4])
      local s = redis.call('HMGET', KEYS[1], 'tat', 'interval')
      local tat = tonumber(s[1]) or now
      local old = tonumber(s[2]) or interval
      if tat < now then tat = now end
      if old ~= interval then tat = now + (tat - now) * interval / old end
      local grant = 0
      if want < 0 then
        tat = tat + want * interval
        if tat < now then tat = now end
      else
        local avail = math.floor(burst - (tat - now) / interval + 1e-6)
        if avail < 0 then avail = 0 end
        grant = math.min(want, avail)
        if grant < need then grant = 0 end
        tat = tat + grant * interval
      end
      redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', tat), 'interval', ARGV[1])
      redis.call('PEXPIRE', KEYS[1], math.ceil((tat - now) / 1000) + 60000)
      local left = math.floor(burst - (tat - now) / interval + 1e-6)
      if left < 0 then left = 0 end
      local wait = 0
      if grant == 0 and want > 0 then
        wait = math.ceil((tat + (need - burst) * interval - now) / 1000)
        if wait < 1 then wait = 1 end
      end
      return {grant, left, wait, math.ceil((tat - now) / 1000)}
      """;

  /**
   * A budget of one period shared by the gateways: {@code KEYS[1]} is a counter of the tokens leased in that period
   * (the key names the period, so a new day or month starts from nothing), INCRBY to take, DECRBY to give back, and it
   * expires after the period ({@code EXPIREAT}). ARGV: budget, want (negative: give back), need, expire-at (Unix
   * seconds). Never grants beyond the budget: the gateways together admit at most the budget.
   */
  static final String BUDGET = """
      local budget = tonumber(ARGV[1])
      local want = tonumber(ARGV[2])
      local need = tonumber(ARGV[3])
      local used = tonumber(redis.call('GET', KEYS[1]) or '0')
      local grant = 0
      if want < 0 then
        if used > 0 then used = redis.call('DECRBY', KEYS[1], math.min(-want, used)) end
      else
        local avail = budget - used
        if avail < 0 then avail = 0 end
        grant = math.min(want, avail)
        if grant < need then grant = 0 end
        if grant > 0 then used = redis.call('INCRBY', KEYS[1], grant) end
      end
      if used > 0 then redis.call('EXPIREAT', KEYS[1], ARGV[4]) end
      local left = budget - used
      if left < 0 then left = 0 end
      local denied = 0
      if grant == 0 and want > 0 then denied = 1 end
      return {grant, left, denied, 0}
      """;

  static final String RATE_SHA = sha1(RATE);
  static final String BUDGET_SHA = sha1(BUDGET);

  static String sha1(String script) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
          .digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
