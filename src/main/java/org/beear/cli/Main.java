package org.beear.cli;

import java.util.Arrays;

/** Entry point of the jar. Sub-commands are added by the packages that own them. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("serve")) {
      org.beear.app.BeearApplication.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    System.out.println("beear");
  }
}
