package org.beear.cli;

/** Entry point of the jar. Sub-commands are added by the packages that own them. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("beear");
  }
}
