package org.beear.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Turns a host name (or address literal) into addresses; the system's resolver unless a test supplies its own. */
@FunctionalInterface
public interface HostResolver {

  HostResolver SYSTEM = InetAddress::getAllByName;

  InetAddress[] resolve(String host) throws UnknownHostException;
}
