package org.beear.deploy;

import static org.beear.deploy.RenderedManifests.at;
import static org.beear.deploy.RenderedManifests.cast;
import static org.beear.deploy.RenderedManifests.list;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

/**
 * The egress rules of a rendered NetworkPolicy, evaluated as Kubernetes does: a connection is allowed when some
 * rule matches both its port and its destination (a rule without ports matches every port, one without peers
 * every destination). Addresses are matched against ipBlock peers only (cidr minus except): they stand for hosts
 * outside the cluster's pods. IP literals only, so nothing is resolved.
 */
final class EgressPolicy {
  private final List<Map<String, Object>> rules;

  EgressPolicy(Map<String, Object> networkPolicy) {
    if (!((List<?>) at(networkPolicy, "spec", "policyTypes")).contains("Egress")) {
      throw new AssertionError("not an egress policy: " + at(networkPolicy, "spec", "policyTypes"));
    }
    this.rules = list(at(networkPolicy, "spec", "egress"));
  }

  boolean admits(String ip, int port, String protocol) {
    return rules.stream().anyMatch(rule -> portMatches(rule, port, protocol)
        && (list(rule.get("to")).isEmpty() || list(rule.get("to")).stream().anyMatch(peer -> ipBlockAdmits(peer, ip))));
  }

  /** Whether a rule names exactly this peer (a pod/namespace selector) for the port. */
  boolean admitsPeer(Map<String, Object> peer, int port, String protocol) {
    return rules.stream().anyMatch(rule -> portMatches(rule, port, protocol)
        && (list(rule.get("to")).isEmpty() || list(rule.get("to")).contains(peer)));
  }

  boolean allowsEveryDestinationOnSomePort() {
    return rules.stream().anyMatch(rule -> list(rule.get("to")).isEmpty());
  }

  private static boolean portMatches(Map<String, Object> rule, int port, String protocol) {
    List<Map<String, Object>> ports = list(rule.get("ports"));
    if (ports.isEmpty()) {
      return true;
    }
    for (Map<String, Object> p : ports) {
      String proto = String.valueOf(p.getOrDefault("protocol", "TCP"));
      Object from = p.get("port");
      Object end = p.get("endPort");
      boolean inRange = from == null
          || (from instanceof Integer f && (end instanceof Integer e ? f <= port && port <= e : f == port));
      if (proto.equals(protocol) && inRange) {
        return true;
      }
    }
    return false;
  }

  private static boolean ipBlockAdmits(Map<String, Object> peer, String ip) {
    Map<String, Object> block = cast(peer.get("ipBlock"));
    if (block == null || !contains((String) block.get("cidr"), ip)) {
      return false;
    }
    for (Object except : (List<?>) block.getOrDefault("except", List.of())) {
      if (contains((String) except, ip)) {
        return false;
      }
    }
    return true;
  }

  static boolean contains(String cidr, String ip) {
    String[] parts = cidr.split("/");
    byte[] network = literal(parts[0]);
    byte[] address = literal(ip);
    if (network.length != address.length) {
      return false;
    }
    int bits = network.length * 8;
    int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bits;
    BigInteger mask = prefix == 0 ? BigInteger.ZERO
        : BigInteger.ONE.shiftLeft(prefix).subtract(BigInteger.ONE).shiftLeft(bits - prefix);
    return new BigInteger(1, network).and(mask).equals(new BigInteger(1, address).and(mask));
  }

  private static byte[] literal(String ip) {
    if (!ip.matches("[0-9a-fA-F:.]+")) {
      throw new IllegalArgumentException("not an IP literal: " + ip);
    }
    try {
      return InetAddress.getByName(ip).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(ip, e);
    }
  }
}
