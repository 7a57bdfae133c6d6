package org.beear.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A CIDR block ({@code 10.0.0.0/8}, {@code fc00::/7}) or a single address. Parsing never looks a name up: only
 * address literals are accepted, so configuring a block cannot send a DNS query.
 */
public final class AddressBlock {

  private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final byte[] network;
  private final int prefixLength;
  private final String text;

  private AddressBlock(byte[] network, int prefixLength, String text) {
    this.network = network;
    this.prefixLength = prefixLength;
    this.text = text;
  }

  /** Whether the text looks like an address or a CIDR block rather than a host name. */
  public static boolean looksLikeAddress(String text) {
    String address = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
    return IPV4_LITERAL.matcher(address).matches() || address.contains(":");
  }

  /** @throws IllegalArgumentException unless the text is an address literal, optionally with {@code /prefix} */
  public static AddressBlock parse(String text) {
    String trimmed = text.trim();
    int slash = trimmed.indexOf('/');
    String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
    if (!looksLikeAddress(address)) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR block");
    }
    byte[] bytes = literal(address, text);
    int prefix;
    try {
      prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(trimmed.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has no valid prefix length");
    }
    if (prefix < 0 || prefix > bytes.length * 8) {
      throw new IllegalArgumentException("'" + text + "' has a prefix length out of range");
    }
    return new AddressBlock(masked(bytes, prefix), prefix, trimmed);
  }

  private static byte[] literal(String address, String text) {
    if (address.startsWith("[") && address.endsWith("]")) {
      address = address.substring(1, address.length() - 1);
    }
    try {
      // Only literals reach this point (checked above), and getByName parses a literal without a lookup.
      // An IPv4-mapped IPv6 literal comes back as its IPv4 address; blocks are matched on the same form.
      return InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + text + "' is not a valid IP address");
    }
  }

  private static byte[] masked(byte[] bytes, int prefix) {
    byte[] out = Arrays.copyOf(bytes, bytes.length);
    for (int bit = prefix; bit < out.length * 8; bit++) {
      out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return out;
  }

  public boolean contains(InetAddress address) {
    return contains(address.getAddress());
  }

  /** Whether raw address bytes (4 for IPv4, 16 for IPv6) fall inside this block; other families never do. */
  boolean contains(byte[] address) {
    if (address.length != network.length) {
      return false;
    }
    return Arrays.equals(masked(address, prefixLength), network);
  }

  @Override
  public String toString() {
    return text;
  }
}
