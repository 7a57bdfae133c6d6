package org.beear.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Address classification only: literals are parsed, nothing is looked up and no socket is opened. */
class EgressPolicyTest {

  private static InetAddress literal(String text) throws UnknownHostException {
    return InetAddress.getByName(text); // a literal: parsed, never resolved
  }

  private static InetAddress raw(int... bytes) throws UnknownHostException {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return InetAddress.getByAddress(b);
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
      "169.254.169.254", "169.254.170.2", "100.64.0.1", "100.100.100.200", "0.0.0.0", "0.1.2.3", "224.0.0.251",
      "239.255.255.250", "255.255.255.255", "240.0.0.1", "192.0.0.170", "198.18.0.1", "192.0.2.10",
      "::", "::1", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1", "fec0::1", "::ffff:127.0.0.1",
      "::ffff:169.254.169.254", "::127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "2002:c0a8:101::1",
      "2001:db8::1", "2001:0:4136:e378::1", "64:ff9b:1::1"})
  void nonPublicAddressesAreRefusedByDefault(String address) throws Exception {
    assertThat(EgressPolicy.publicOnly().refusal(null, literal(address))).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.1.1.1", "8.8.8.8", "140.82.112.3", "172.32.0.1", "100.128.0.1", "169.255.0.1",
      "2606:4700:4700::1111", "2a00:1450:4001::200e", "64:ff9b::808:808", "2002:808:808::1"})
  void publicAddressesAreAllowed(String address) throws Exception {
    assertThat(EgressPolicy.publicOnly().refusal(null, literal(address))).isEmpty();
  }

  @Test
  void ipv4MappedFormsGivenAsRawBytesAreJudgedByTheirIpv4Address() throws Exception {
    // Java turns "::ffff:a.b.c.d" text into an IPv4 address, but a resolver may hand over the 16 raw bytes.
    InetAddress mappedMetadata = InetAddress.getByAddress("x", new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        (byte) 0xff, (byte) 0xff, (byte) 169, (byte) 254, (byte) 169, (byte) 254});
    assertThat(EgressPolicy.publicOnly().refusal(null, mappedMetadata)).get().asString().contains("link-local");
    assertThat(SpecialAddresses.kind(raw(0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 10, 0, 0, 1)))
        .get().asString().startsWith("private");
  }

  @Test
  void theAllowlistAdmitsCidrBlocksAndHostNames() throws Exception {
    EgressPolicy policy = EgressPolicy.allowing(List.of("10.20.0.0/16", "fd00::/8", "127.0.0.1",
        "Models.Internal."));
    assertThat(policy.refusal(null, literal("10.20.3.4"))).isEmpty();
    assertThat(policy.refusal(null, literal("10.21.0.1"))).isPresent();
    assertThat(policy.refusal(null, literal("fd12::1"))).isEmpty();
    assertThat(policy.refusal(null, literal("127.0.0.1"))).isEmpty();
    assertThat(policy.refusal(null, literal("127.0.0.2"))).isPresent();
    assertThat(policy.refusal("models.internal", literal("192.168.9.9"))).isEmpty();
    assertThat(policy.refusal("MODELS.internal.", literal("192.168.9.9"))).isEmpty();
    assertThat(policy.refusal("other.internal", literal("192.168.9.9"))).get().asString()
        .isEqualTo("private address 192.168.9.9 is not on the egress allowlist");
  }

  @Test
  void badAllowlistEntriesAreRefusedAtStartup() {
    for (String bad : List.of("10.0.0.0/33", "10.0.0/8", "fd00::/129", "not a host", "", "10.0.0.0/x")) {
      assertThatThrownBy(() -> EgressPolicy.allowing(List.of(bad))).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void theResolverHandsOnOnlyAllowedAddressesAndRefusesWhenNoneIs() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    HostResolver names = host -> {
      lookups.incrementAndGet();
      return switch (host) {
        case "metadata.test" -> new InetAddress[] {literal("169.254.169.254")};
        case "mixed.test" -> new InetAddress[] {literal("10.0.0.5"), literal("93.184.215.14")};
        default -> throw new UnknownHostException(host);
      };
    };
    EgressDnsResolver resolver = new EgressDnsResolver(EgressPolicy.publicOnly(), names);

    assertThatThrownBy(() -> resolver.resolve("metadata.test", 80)).isInstanceOf(EgressRefusedException.class)
        .hasMessageContaining("link-local address 169.254.169.254");
    assertThat(resolver.resolve("mixed.test", 443)).extracting(a -> a.getAddress().getHostAddress())
        .containsExactly("93.184.215.14");
    assertThat(lookups).hasValue(2);
  }
}
