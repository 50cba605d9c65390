import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clientAddress, ipInCidrs, normalizeIp, parseCidr, parseCidrs, throttleSource } from "@/lib/auth/client-address";
import { parseEnv } from "@/lib/env";

describe("normalizeIp", () => {
  it("accepts addresses as sockets and proxies write them, and nothing else", () => {
    expect(normalizeIp("203.0.113.7")).toBe("203.0.113.7");
    expect(normalizeIp(" 203.0.113.7:5123 ")).toBe("203.0.113.7");
    expect(normalizeIp("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeIp("::FFFF:10.1.2.3")).toBe("10.1.2.3");
    expect(normalizeIp("[2001:db8::1]:443")).toBe("2001:db8::1");
    expect(normalizeIp("2001:0db8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1");
    expect(normalizeIp("fe80::1%eth0")).toBe("fe80::1");
    expect(normalizeIp("::1")).toBe("::1");
    for (const bad of ["", "unknown", "<svg onload=alert(1)>", "1.2.3.256", "1.2.3", "2001:db8::1::2", "a".repeat(200), null, undefined]) {
      expect(normalizeIp(bad)).toBeNull();
    }
  });

  it("round-trips every IPv6 address to one canonical form", () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const once = normalizeIp(ip);
        expect(once).not.toBeNull();
        expect(normalizeIp(once)).toBe(once);
      }),
    );
  });
});

describe("CIDR ranges", () => {
  it("match IPv4, IPv6 and IPv4-mapped addresses by prefix", () => {
    const cidrs = parseCidrs(["10.0.0.0/8", "192.168.1.7", "fd00::/8", "2001:db8:1::/48"]);
    expect(ipInCidrs("10.255.0.1", cidrs)).toBe(true);
    expect(ipInCidrs("::ffff:10.0.0.1", cidrs)).toBe(true);
    expect(ipInCidrs("11.0.0.1", cidrs)).toBe(false);
    expect(ipInCidrs("192.168.1.7", cidrs)).toBe(true);
    expect(ipInCidrs("192.168.1.8", cidrs)).toBe(false);
    expect(ipInCidrs("fd12:3456::1", cidrs)).toBe(true);
    expect(ipInCidrs("fe00::1", cidrs)).toBe(false);
    expect(ipInCidrs("2001:db8:1:ffff::1", cidrs)).toBe(true);
    expect(ipInCidrs("2001:db8:2::1", cidrs)).toBe(false);
    expect(ipInCidrs("not an ip", cidrs)).toBe(false);
    expect(ipInCidrs("0.0.0.1", parseCidrs(["0.0.0.0/0"]))).toBe(true);
    expect(ipInCidrs("::1", parseCidrs(["0.0.0.0/0"]))).toBe(false);
  });

  it("refuses malformed ranges, also as a setting", () => {
    for (const bad of ["10.0.0.0/33", "fd00::/129", "10.0.0.0/8/8", "10.0.0.0/x", "example.com", ""]) expect(parseCidr(bad)).toBeNull();
    expect(() => parseEnv({ LAYERSCOPE_TRUSTED_PROXIES: "10.0.0.0/8, nonsense" })).toThrow(/LAYERSCOPE_TRUSTED_PROXIES/);
    expect(parseEnv({ LAYERSCOPE_TRUSTED_PROXIES: "10.0.0.0/8, ::1" }).LAYERSCOPE_TRUSTED_PROXIES).toEqual(["10.0.0.0/8", "::1"]);
    expect(parseEnv({}).LAYERSCOPE_TRUSTED_PROXIES).toEqual([]);
  });
});

describe("clientAddress", () => {
  const trusted = parseCidrs(["10.0.0.0/8", "::1"]);

  it("is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(clientAddress({ peer: "::ffff:198.51.100.4", forwardedFor: "1.2.3.4", trusted: [] })).toBe("198.51.100.4");
    expect(clientAddress({ peer: "198.51.100.4", forwardedFor: "10.0.0.1", trusted })).toBe("198.51.100.4");
  });

  it("behind trusted proxies is the right-most hop that is not one of them", () => {
    // the client wrote "6.6.6.6" itself; the proxy appended what it saw
    expect(clientAddress({ peer: "10.0.0.2", forwardedFor: "6.6.6.6, 203.0.113.9", trusted })).toBe("203.0.113.9");
    expect(clientAddress({ peer: "::1", forwardedFor: "6.6.6.6, 203.0.113.9, 10.1.1.1", trusted })).toBe("203.0.113.9");
    expect(clientAddress({ peer: "10.0.0.2", forwardedFor: "[2001:db8::5]:1234", trusted })).toBe("2001:db8::5");
  });

  it("stops at the last vouched-for address when a hop is garbage, and never returns garbage", () => {
    expect(clientAddress({ peer: "10.0.0.2", forwardedFor: "<svg onload=alert(1)>", trusted })).toBe("10.0.0.2");
    expect(clientAddress({ peer: "10.0.0.2", forwardedFor: "203.0.113.9, <svg>, 10.0.0.3", trusted })).toBe("10.0.0.3");
    expect(clientAddress({ peer: "10.0.0.2", forwardedFor: "10.0.0.4, 10.0.0.3", trusted })).toBe("10.0.0.4");
    expect(clientAddress({ peer: "garbage", forwardedFor: "1.2.3.4", trusted })).toBeNull();
    expect(clientAddress({ peer: null, forwardedFor: "1.2.3.4", trusted })).toBeNull();
    fc.assert(
      fc.property(fc.string(), (xff) => {
        const ip = clientAddress({ peer: "10.0.0.2", forwardedFor: xff, trusted });
        expect(normalizeIp(ip)).toBe(ip);
      }),
    );
  });
});

describe("throttleSource", () => {
  it("is the IPv4 address, an IPv6 address's /64, or 'unknown'", () => {
    expect(throttleSource("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(throttleSource("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(throttleSource("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(throttleSource(null)).toBe("unknown");
  });
});
