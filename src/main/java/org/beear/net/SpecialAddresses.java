package org.beear.net;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Address ranges a fetch must not reach unless an operator allowlists them: everything that is not a public unicast
 * address (loopback, private, link-local with the cloud metadata services, shared, multicast, unspecified,
 * documentation and other IANA special-purpose ranges). IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64,
 * 6to4) are judged by the IPv4 address they lead to.
 */
public final class SpecialAddresses {

  private record Range(AddressBlock block, String kind) {}

  private static final List<Range> IPV4 = List.of(
      range("0.0.0.0/8", "unspecified"),
      range("10.0.0.0/8", "private"),
      range("100.64.0.0/10", "shared (carrier-grade NAT)"),
      range("127.0.0.0/8", "loopback"),
      range("169.254.0.0/16", "link-local"),
      range("172.16.0.0/12", "private"),
      range("192.0.0.0/24", "IETF protocol assignment"),
      range("192.0.2.0/24", "documentation"),
      range("192.88.99.0/24", "6to4 relay"),
      range("192.168.0.0/16", "private"),
      range("198.18.0.0/15", "benchmarking"),
      range("198.51.100.0/24", "documentation"),
      range("203.0.113.0/24", "documentation"),
      range("224.0.0.0/4", "multicast"),
      range("240.0.0.0/4", "reserved"));

  private static final List<Range> IPV6 = List.of(
      range("::/128", "unspecified"),
      range("::1/128", "loopback"),
      range("::/96", "IPv4-compatible (deprecated)"),
      range("64:ff9b:1::/48", "local-use NAT64"),
      range("100::/64", "discard-only"),
      range("2001::/23", "IETF protocol assignment (Teredo and others)"),
      range("2001:db8::/32", "documentation"),
      range("3fff::/20", "documentation"),
      range("5f00::/16", "segment routing"),
      range("fc00::/7", "unique-local"),
      range("fe80::/10", "link-local"),
      range("fec0::/10", "site-local (deprecated)"),
      range("ff00::/8", "multicast"));

  private static final AddressBlock NAT64 = AddressBlock.parse("64:ff9b::/96");
  private static final AddressBlock SIX_TO_FOUR = AddressBlock.parse("2002::/16");

  private SpecialAddresses() {}

  private static Range range(String cidr, String kind) {
    return new Range(AddressBlock.parse(cidr), kind);
  }

  /** What kind of non-public address this is, or empty for a public unicast address. */
  public static Optional<String> kind(InetAddress address) {
    return kind(address.getAddress());
  }

  static Optional<String> kind(byte[] bytes) {
    if (bytes.length == 4) {
      return IPV4.stream().filter(r -> r.block().contains(bytes)).map(Range::kind).findFirst();
    }
    byte[] embedded = embeddedIpv4(bytes);
    if (embedded != null) {
      return kind(embedded).map(kind -> kind + " (IPv4 inside IPv6)");
    }
    return IPV6.stream().filter(r -> r.block().contains(bytes)).map(Range::kind).findFirst();
  }

  /**
   * The IPv4 address an IPv6 address stands for: IPv4-mapped ({@code ::ffff:a.b.c.d}, which Java usually hands
   * over as IPv4 already, but not when built from raw bytes), IPv4-translated ({@code ::ffff:0:a.b.c.d}), NAT64
   * ({@code 64:ff9b::a.b.c.d}) and 6to4 ({@code 2002:aabb:ccdd::}).
   */
  private static byte[] embeddedIpv4(byte[] v6) {
    if (zero(v6, 0, 10) && (v6[10] & 0xff) == 0xff && (v6[11] & 0xff) == 0xff) {
      return Arrays.copyOfRange(v6, 12, 16);
    }
    if (zero(v6, 0, 8) && (v6[8] & 0xff) == 0xff && (v6[9] & 0xff) == 0xff && zero(v6, 10, 12)) {
      return Arrays.copyOfRange(v6, 12, 16);
    }
    if (NAT64.contains(v6)) {
      return Arrays.copyOfRange(v6, 12, 16);
    }
    if (SIX_TO_FOUR.contains(v6)) {
      return Arrays.copyOfRange(v6, 2, 6);
    }
    return null;
  }

  private static boolean zero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
