package io.github.saestitch.activations;

import java.util.Objects;

/**
 * The held-out tail of an activation set: tokens {@code [start, total)}, never trained on. For a store
 * that records documents (token ids, doc ids) the tail is whole documents: the asked-for number of tokens
 * is extended back to the first token of the document it starts in, so no document is split between
 * training and evaluation (its other tokens would share context with the held-out ones through attention,
 * and the held-out mse would then not measure generalisation to unseen text). When that would leave nothing
 * to train on, the tail shrinks forward to the next document boundary instead; a set without documents (a
 * {@code .npy}, an import without token ids, a single document) falls back to the last tokens.
 *
 * @param start          first held-out token
 * @param tokens         held-out tokens ({@code total − start})
 * @param wholeDocuments whether the tail starts at a document boundary
 * @param documents      documents in the tail (0 when the set does not record documents)
 */
public record HeldOutSplit(long start, long tokens, boolean wholeDocuments, int documents) {

    /**
     * The held-out tail of {@code set} of about {@code asked} tokens (exactly {@code asked} without documents).
     *
     * @throws IllegalArgumentException if {@code asked} is negative or not smaller than the set
     */
    public static HeldOutSplit of(ActivationSet set, long asked) {
        return of(set, Objects.requireNonNull(set, "set").numTokens(), asked);
    }

    /**
     * The held-out tail of the first {@code n} tokens of {@code set} (a resumed run keeps the range it
     * started on when the set has grown since).
     *
     * @throws IllegalArgumentException if {@code asked} is negative or not smaller than {@code n}, or
     *                                  {@code n} exceeds the set
     */
    public static HeldOutSplit of(ActivationSet set, long n, long asked) {
        Objects.requireNonNull(set, "set");
        if (n > set.numTokens()) {
            throw new IllegalArgumentException(
                    "activation set " + set.describe() + " has " + set.numTokens() + " tokens, fewer than " + n);
        }
        if (asked < 0 || asked >= n) {
            throw new IllegalArgumentException(
                    "activation set " + set.describe() + " has " + n + " tokens; holding out " + asked
                            + " for evaluation leaves none to train on (lower --eval-tokens)");
        }
        if (asked == 0) {
            return new HeldOutSplit(n, 0, false, 0);
        }
        long tail = n - asked;
        if (!(set instanceof ActivationStore store) || !store.hasTokenIds()) {
            return new HeldOutSplit(tail, asked, false, 0);
        }
        long s = tail;
        while (s > 0 && store.docId(s - 1) == store.docId(s)) {
            s--;
        }
        if (s == 0) {
            s = tail;
            while (s < n && store.docId(s - 1) == store.docId(s)) {
                s++;
            }
            if (s == n) {
                return new HeldOutSplit(tail, asked, false, 0);
            }
        }
        int docs = 1;
        for (long i = s + 1; i < n; i++) {
            if (store.docId(i) != store.docId(i - 1)) {
                docs++;
            }
        }
        return new HeldOutSplit(s, n - s, true, docs);
    }

    /** The held-out tokens of {@code set} (the set this split was made for), described with what they are. */
    public ActivationRange range(ActivationSet set) {
        return new ActivationRange(
                set,
                start,
                tokens,
                wholeDocuments ? documents + " whole documents held out" : "the last tokens held out");
    }

    /** In words, e.g. {@code 16,502 tokens (whole documents: 9)}. */
    public String describe() {
        return String.format("%,d tokens", tokens)
                + (wholeDocuments ? " (" + documents + " whole documents)" : " (the last tokens)");
    }
}
