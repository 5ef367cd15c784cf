package dev.ferry.benchmarks.vsrsync;

/** A benchmark case could not be measured (timeout, a process died, the mirror never converged): says why. */
final class BenchException extends RuntimeException {
    BenchException(String message) {
        super(message);
    }

    BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
