package org.beear.net;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which addresses outgoing fetches may connect to: every public unicast address, and the non-public ones
 * ({@link SpecialAddresses}) only when the allowlist admits them, by CIDR block or by the host name the URI names.
 * The policy judges the address a connection is about to be made to, not a name, so a name that resolves (or
 * re-resolves) to an internal address is refused.
 */
public final class EgressPolicy {

  private static final Pattern HOST_NAME =
      Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

  private final List<AddressBlock> allowedBlocks;
  private final Set<String> allowedHosts;

  private EgressPolicy(List<AddressBlock> allowedBlocks, Set<String> allowedHosts) {
    this.allowedBlocks = List.copyOf(allowedBlocks);
    this.allowedHosts = Set.copyOf(allowedHosts);
  }

  /** Public addresses only. */
  public static EgressPolicy publicOnly() {
    return new EgressPolicy(List.of(), Set.of());
  }

  /**
   * @param allow CIDR blocks or single addresses ({@code 10.1.0.0/16}, {@code fd00::/8}, {@code 127.0.0.1}) and
   *              host names ({@code models.internal}, matched exactly, case-insensitively)
   * @throws IllegalArgumentException for an entry that is neither
   */
  public static EgressPolicy allowing(List<String> allow) {
    List<AddressBlock> blocks = new ArrayList<>();
    Set<String> hosts = new TreeSet<>();
    for (String entry : allow) {
      if (entry == null || entry.isBlank()) {
        throw new IllegalArgumentException("an empty egress allowlist entry");
      }
      if (AddressBlock.looksLikeAddress(entry.trim())) {
        blocks.add(AddressBlock.parse(entry));
      } else {
        String host = normalise(entry);
        if (!HOST_NAME.matcher(host).matches()) {
          throw new IllegalArgumentException("'" + entry + "' is neither a CIDR block nor a host name");
        }
        hosts.add(host);
      }
    }
    return new EgressPolicy(blocks, hosts);
  }

  /**
   * Why a connection to {@code address}, reached through the URI host {@code host}, is refused; empty when it is
   * allowed.
   */
  public Optional<String> refusal(String host, InetAddress address) {
    Optional<String> kind = SpecialAddresses.kind(address);
    if (kind.isEmpty()) {
      return Optional.empty();
    }
    if (host != null && allowedHosts.contains(normalise(host))) {
      return Optional.empty();
    }
    if (allowedBlocks.stream().anyMatch(block -> block.contains(address))) {
      return Optional.empty();
    }
    return Optional.of(kind.get() + " address " + address.getHostAddress() + " is not on the egress allowlist");
  }

  /**
   * Why a connection to {@code host} is refused, as far as that is known without a lookup: an address literal is
   * judged now (parsed, never looked up); a name is judged when it is resolved, at each connection, so it is empty
   * here.
   *
   * @throws UnknownHostException when the host looks like an address but is not a valid one
   */
  public Optional<String> refusalWithoutLookup(String host) throws UnknownHostException {
    String bare = host.replace("[", "").replace("]", "");
    if (!AddressBlock.looksLikeAddress(bare)) {
      return Optional.empty();
    }
    return refusal(host, InetAddress.getByName(bare));
  }

  private static String normalise(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    try {
      return IDN.toASCII(h);
    } catch (IllegalArgumentException e) {
      return h;
    }
  }

  @Override
  public String toString() {
    return "EgressPolicy{public addresses" + (allowedBlocks.isEmpty() && allowedHosts.isEmpty() ? ""
        : ", plus " + allowedBlocks + " " + allowedHosts) + "}";
  }
}
