package org.beear.datasets;

/**
 * The benign task families. Each is a small closed table of facts asked in eight phrasings; a held-out task is
 * a phrasing of a fact that training asked differently (see {@link BenignTasks}).
 */
public enum BenignTaskKind {
  /** "What is 3 plus 4?" -> "7" (1..9 plus 1..9: 81 facts). */
  ADDITION,
  /** "What number comes after 17?" -> "18" (0..49: 50 facts). */
  NEXT_NUMBER,
  /** "What is the opposite of hot?" -> "cold" (30 pairs, both ways: 60 facts). */
  OPPOSITE,
  /** "What kind of thing is a tiger?" -> "animal" (6 categories of 10 words: 60 facts). */
  CATEGORY,
  /** "What comes after Monday?" -> "Tuesday" (weekdays, months and letters: 44 facts). */
  SUCCESSOR
}
