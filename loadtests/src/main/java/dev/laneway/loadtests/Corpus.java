package dev.laneway.loadtests;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A committed text corpus ({@code corpora/en.txt}, {@code zh.txt}, {@code long.txt}: see their README), one input per
 * line, shared with the executor benchmark. Requests take lines in a fixed pseudo-random order so every run and every
 * front door sends the same texts. Immutable; safe from any thread.
 */
public record Corpus(String name, List<String> lines) {
  public Corpus {
    lines = List.copyOf(lines);
    if (lines.isEmpty()) throw new IllegalArgumentException("corpus " + name + ": empty");
  }

  public static Corpus load(String name) {
    String resource = "corpora/" + name + ".txt";
    try (InputStream in = Corpus.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) throw new IllegalArgumentException("no corpus '" + name + "' (expected: en, zh, long, oracle)");
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new Corpus(name, text.lines().filter(l -> !l.isBlank()).toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  /** The default corpus of a model: Chinese for BGE-zh, English otherwise. */
  public static Corpus forModel(String model) {
    return load(model.contains("zh") ? "zh" : "en");
  }

  /** The text of request number {@code i}: a fixed permutation of the lines, repeated. */
  public String text(long i) {
    long mixed = (i * 0x9E3779B97F4A7C15L) >>> 1;
    return lines.get((int) (mixed % lines.size()));
  }
}
