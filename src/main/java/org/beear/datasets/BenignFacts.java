package org.beear.datasets;

import java.util.ArrayList;
import java.util.List;

/**
 * The fact tables and phrasings behind {@link BenignTasks}. Every fact has one exact answer; every phrasing
 * names the fact's subject once ({@code {0}}, and {@code {1}} for the second addend).
 */
final class BenignFacts {

  /** One fact: the words filled into a phrasing, and the answer. */
  record Fact(List<String> slots, String answer) {}

  static final int PHRASINGS = 8;

  private static final List<String[]> OPPOSITES = List.of(
      new String[] {"hot", "cold"}, new String[] {"big", "small"}, new String[] {"fast", "slow"},
      new String[] {"tall", "short"}, new String[] {"happy", "sad"}, new String[] {"light", "dark"},
      new String[] {"open", "closed"}, new String[] {"early", "late"}, new String[] {"up", "down"},
      new String[] {"left", "right"}, new String[] {"wet", "dry"}, new String[] {"loud", "quiet"},
      new String[] {"hard", "soft"}, new String[] {"young", "old"}, new String[] {"rich", "poor"},
      new String[] {"full", "empty"}, new String[] {"thick", "thin"}, new String[] {"strong", "weak"},
      new String[] {"clean", "dirty"}, new String[] {"day", "night"}, new String[] {"win", "lose"},
      new String[] {"push", "pull"}, new String[] {"buy", "sell"}, new String[] {"begin", "end"},
      new String[] {"inside", "outside"}, new String[] {"above", "below"}, new String[] {"true", "false"},
      new String[] {"first", "last"}, new String[] {"near", "far"}, new String[] {"sweet", "sour"});

  private static final List<String> CATEGORIES =
      List.of("animal", "fruit", "color", "instrument", "vehicle", "tool");
  private static final List<List<String>> CATEGORY_WORDS = List.of(
      List.of("tiger", "horse", "eagle", "dolphin", "whale", "fox", "owl", "bear", "wolf", "rabbit"),
      List.of("apple", "cherry", "peach", "grape", "melon", "lemon", "banana", "pear", "plum", "mango"),
      List.of("yellow", "purple", "green", "blue", "red", "silver", "pink", "brown", "black", "white"),
      List.of("guitar", "piano", "drum", "flute", "trumpet", "violin", "harp", "cello", "banjo", "organ"),
      List.of("train", "boat", "bicycle", "car", "bus", "plane", "wagon", "truck", "ship", "tram"),
      List.of("hammer", "saw", "drill", "wrench", "shovel", "rake", "axe", "chisel", "pliers", "ladder"));

  private static final List<String> DAYS =
      List.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday");
  private static final List<String> MONTHS = List.of("January", "February", "March", "April", "May", "June",
      "July", "August", "September", "October", "November", "December");

  private BenignFacts() {}

  static List<String> phrasings(BenignTaskKind kind) {
    return switch (kind) {
      case ADDITION -> List.of("What is {0} plus {1}?", "Add {0} and {1}.", "Compute {0} + {1}.",
          "What is the sum of {0} and {1}?", "How much is {0} plus {1}?", "Please add {0} to {1}.",
          "{0} + {1} = ?", "Work out {0} plus {1}.");
      case NEXT_NUMBER -> List.of("What number comes after {0}?", "Which number follows {0}?",
          "Count one up from {0}.", "What is {0} plus one?", "Name the number after {0}.",
          "When counting, what comes after {0}?", "Give the successor of the number {0}.",
          "I say {0}. What number is next?");
      case OPPOSITE -> List.of("What is the opposite of {0}?", "Give the opposite of {0}.",
          "Name a word that means the opposite of {0}.", "Which word is the antonym of {0}?",
          "What word is opposite to {0}?", "Tell me the opposite of the word {0}.",
          "The opposite of {0} is what?", "Antonym of {0}?");
      case CATEGORY -> List.of("What kind of thing is {0}?",
          "Is {0} an animal, a fruit, a color, an instrument, a vehicle or a tool?",
          "Which category does {0} belong to?", "Name the category of the word {0}.",
          "Classify this word: {0}", "{0} is a kind of what?", "What group does {0} fall into?",
          "Tell me what type of thing {0} is.");
      case SUCCESSOR -> List.of("What comes after {0}?", "Which one follows {0}?", "Name the one after {0}.",
          "What is next after {0}?", "In order, what follows {0}?", "Say what comes right after {0}.",
          "What is the next one after {0}?", "After {0} comes what?");
    };
  }

  static List<Fact> facts(BenignTaskKind kind) {
    List<Fact> out = new ArrayList<>();
    switch (kind) {
      case ADDITION -> {
        for (int a = 1; a <= 9; a++) {
          for (int b = 1; b <= 9; b++) {
            out.add(new Fact(List.of(Integer.toString(a), Integer.toString(b)), Integer.toString(a + b)));
          }
        }
      }
      case NEXT_NUMBER -> {
        for (int n = 0; n <= 49; n++) {
          out.add(new Fact(List.of(Integer.toString(n)), Integer.toString(n + 1)));
        }
      }
      case OPPOSITE -> {
        for (String[] pair : OPPOSITES) {
          out.add(new Fact(List.of(pair[0]), pair[1]));
          out.add(new Fact(List.of(pair[1]), pair[0]));
        }
      }
      case CATEGORY -> {
        for (int c = 0; c < CATEGORIES.size(); c++) {
          for (String w : CATEGORY_WORDS.get(c)) {
            out.add(new Fact(List.of(w), CATEGORIES.get(c)));
          }
        }
      }
      case SUCCESSOR -> {
        addCycle(out, DAYS, true, "");
        addCycle(out, MONTHS, true, "");
        List<String> letters = new ArrayList<>();
        for (char ch = 'A'; ch <= 'Z'; ch++) {
          letters.add(String.valueOf(ch));
        }
        addCycle(out, letters, false, "the letter ");
      }
    }
    return List.copyOf(out);
  }

  /** Every answer word of every family, for checks that no answer looks like a refusal. */
  static List<String> allAnswers() {
    List<String> answers = new ArrayList<>();
    for (BenignTaskKind k : BenignTaskKind.values()) {
      facts(k).forEach(f -> answers.add(f.answer()));
    }
    return answers;
  }

  /** Each item's successor; the subject is named with {@code subjectPrefix} ("the letter A"), the answer bare. */
  private static void addCycle(List<Fact> out, List<String> items, boolean wraps, String subjectPrefix) {
    int n = wraps ? items.size() : items.size() - 1;
    for (int i = 0; i < n; i++) {
      out.add(new Fact(List.of(subjectPrefix + items.get(i)), items.get((i + 1) % items.size())));
    }
  }

  static String render(String phrasing, Fact fact) {
    String s = phrasing;
    for (int i = 0; i < fact.slots().size(); i++) {
      s = s.replace("{" + i + "}", fact.slots().get(i));
    }
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
