package io.cutover.cli;

import picocli.CommandLine;

/** {@code --write-concurrency N|auto}: {@code auto} (0) finds the limit the target absorbs (decision 0102). */
final class WriteConcurrencyConverter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        if (value.equalsIgnoreCase("auto")) {
            return 0;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is neither a number nor 'auto'");
        }
    }
}
