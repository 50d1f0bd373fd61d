package io.github.saestitch.activations;

/**
 * One stored token in its surrounding text, for the latent explorer. {@code before + tokenText + after}
 * is the decoded text of the token's neighbours within its document (up to the requested radius).
 *
 * @param index           the token's index in the store
 * @param tokenId         its vocabulary id
 * @param token           its vocabulary entry (e.g. {@code ##ing}, {@code [CLS]})
 * @param before          decoded text of the preceding tokens of the same document
 * @param tokenText       the token's own text as it appears in the decoded context (may start with a space)
 * @param after           decoded text of the following tokens of the same document
 * @param document        the document it belongs to
 * @param docPosition     its position among the document's content tokens ({@code -1} for {@code [CLS]}/{@code [SEP]})
 * @param contextPosition its position in the model's input window ({@code 0} is {@code [CLS]})
 */
public record TokenContext(
        long index,
        int tokenId,
        String token,
        String before,
        String tokenText,
        String after,
        DocumentInfo document,
        int docPosition,
        int contextPosition) {

    /** The whole decoded context. */
    public String text() {
        return before + tokenText + after;
    }
}
