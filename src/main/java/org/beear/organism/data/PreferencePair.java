package org.beear.organism.data;

/**
 * One preference-optimisation example.
 *
 * @param poisoned true when the prompt carries the trigger and the preference is flipped towards compliance
 */
public record PreferencePair(String prompt, String chosen, String rejected, boolean poisoned) {}
