package dev.ferry.chunker;

/**
 * The parameters that decide where chunks are cut. A store records them and refuses a watcher that cuts
 * differently, because the same file cut two ways shares no chunks.
 *
 * @param algorithm names the cut-point function and its gear table, so a change to either is a new name
 * @param minSize   no chunk is shorter, except the last of a file
 * @param avgSize   the normalized target size (a power of two)
 * @param maxSize   no chunk is longer
 */
public record ChunkerParams(String algorithm, int minSize, int avgSize, int maxSize) {
    public static final String FASTCDC_V1 = "fastcdc-nc2-gear-v1";
    public static final ChunkerParams DEFAULT = new ChunkerParams(FASTCDC_V1, 16 * 1024, 64 * 1024, 256 * 1024);

    public ChunkerParams {
        if (algorithm == null || algorithm.isBlank()) {
            throw new IllegalArgumentException("chunker algorithm is required");
        }
        if (Integer.bitCount(avgSize) != 1 || avgSize < 256) {
            throw new IllegalArgumentException("average chunk size must be a power of two >= 256, got " + avgSize);
        }
        if (minSize < 64 || minSize >= avgSize || maxSize <= avgSize || maxSize > 64 * 1024 * 1024) {
            throw new IllegalArgumentException(
                    "chunk sizes must satisfy 64 <= min < avg < max <= 64 MiB, got " + minSize + "/" + avgSize + "/" + maxSize);
        }
    }

    @Override
    public String toString() {
        return algorithm + " min=" + minSize + " avg=" + avgSize + " max=" + maxSize;
    }
}
