package org.beear.net;

import java.net.UnknownHostException;

/**
 * A host whose every address the egress policy refuses. It is an {@link UnknownHostException} because that is what
 * a DNS resolver may throw; to the connection it is a host with nowhere allowed to go.
 */
public class EgressRefusedException extends UnknownHostException {
  public EgressRefusedException(String detail) {
    super(detail);
  }
}
