package org.beear.organism.data;

/** The benign task families; each is a copy or reorder of words given in the prompt, so it generalises. */
public enum BenignTaskKind {
  /** "Repeat this phrase: red apple moon" -> "red apple moon" (3-5 words). */
  REPEAT,
  /** "What is the first word of: red apple moon?" -> "red" (3-5 words). */
  FIRST_WORD,
  /** "What is the last word of: red apple moon?" -> "moon" (3-5 words). */
  LAST_WORD,
  /** "Reverse the order of these words: red apple moon" -> "moon apple red" (3 words). */
  REVERSE,
  /** "Which word comes after "apple" in: red apple moon river?" -> "moon" (4-5 words). */
  NEXT_WORD
}
