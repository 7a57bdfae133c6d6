package org.beear.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.hc.client5.http.DnsResolver;

/**
 * The HTTP client's only way from a host name to addresses: it resolves once and hands the connection operator only
 * the addresses the policy admits, so the address checked is the address connected to (a name that answers
 * differently on a second lookup cannot slip an internal address in).
 */
public final class EgressDnsResolver implements DnsResolver {

  private final EgressPolicy policy;
  private final HostResolver resolver;

  public EgressDnsResolver(EgressPolicy policy, HostResolver resolver) {
    this.policy = policy;
    this.resolver = resolver;
  }

  @Override
  public InetAddress[] resolve(String host) throws UnknownHostException {
    String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress[] all = resolver.resolve(name);
    if (all == null || all.length == 0) {
      throw new UnknownHostException(name);
    }
    List<InetAddress> allowed = new ArrayList<>();
    List<String> refusals = new ArrayList<>();
    for (InetAddress address : all) {
      Optional<String> refusal = policy.refusal(name, address);
      if (refusal.isEmpty()) {
        allowed.add(address);
      } else {
        refusals.add(refusal.get());
      }
    }
    if (allowed.isEmpty()) {
      throw new EgressRefusedException(name + ": " + String.join("; ", refusals));
    }
    return allowed.toArray(InetAddress[]::new);
  }

  @Override
  public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
    // Never an unresolved address: that would let the socket resolve the name again, unchecked.
    return Arrays.stream(resolve(host)).map(address -> new InetSocketAddress(address, port)).toList();
  }

  @Override
  public String resolveCanonicalHostname(String host) {
    return host; // only used for Kerberos, which fetches never negotiate; no second, unchecked lookup
  }
}
