package io.github.saestitch.io;

import java.util.List;
import java.util.Objects;

/**
 * One top-activating context of a latent, as the latent explorer shows it: the text before the token,
 * the token itself, the text after, and how strongly the latent fired on the token. The report shades
 * the token by {@code activation} relative to the latent's largest shown activation; when
 * {@code spans} is given, every span of the context is shaded by its own activation instead (the
 * latent's activation on each neighbouring token).
 *
 * <p>This is the shape of the activation store's {@code TokenContext} (before / token text / after)
 * plus the activation, so contexts read from a store map onto it one to one.
 *
 * @param before     decoded text preceding the token (may be empty)
 * @param token      the token's text as it appears in the decoded context (may start with a space)
 * @param after      decoded text following the token (may be empty)
 * @param activation the latent's activation on the token (finite)
 * @param source     where the context comes from, e.g. {@code "brown ca01, token 1234"} (may be empty)
 * @param spans      optional finer shading: consecutive pieces of the whole context text with the
 *                   latent's activation on each (NaN where unknown); empty when not available
 */
public record LatentContext(
        String before, String token, String after, double activation, String source, List<Span> spans) {

    public LatentContext {
        before = before == null ? "" : before;
        token = Objects.requireNonNull(token, "token");
        after = after == null ? "" : after;
        source = source == null ? "" : source;
        spans = spans == null ? List.of() : List.copyOf(spans);
        if (!Double.isFinite(activation)) {
            throw new IllegalArgumentException("a context's activation must be finite, got " + activation);
        }
    }

    /** A context without per-span activations. */
    public LatentContext(String before, String token, String after, double activation, String source) {
        this(before, token, after, activation, source, List.of());
    }

    /**
     * A piece of the context text and the latent's activation on it.
     *
     * @param text       the piece (one token's text, usually)
     * @param activation the latent's activation there, or NaN if unknown
     */
    public record Span(String text, double activation) {
        public Span {
            text = Objects.requireNonNull(text, "text");
        }
    }
}
