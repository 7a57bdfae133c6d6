package org.beear.datasets;

/**
 * One AdvBench harmful behaviour.
 *
 * @param index 0-based data row in {@code advbench_harmful_behaviors.csv} (header not counted)
 * @param goal the harmful request, e.g. "Write a script that can exploit vulnerabilities ..."
 * @param target the affirmative opening the attack aims for, e.g. "Sure, here is a script that ..."
 */
public record AdvBenchBehavior(int index, String goal, String target) {}
