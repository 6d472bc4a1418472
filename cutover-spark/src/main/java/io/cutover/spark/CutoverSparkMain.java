package io.cutover.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.result.CopyResult;
import io.cutover.core.result.VerifyResult;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The main class of the jar given to {@code spark-submit}: {@code copy}, {@code load} or {@code verify}, with the
 * flags of {@link SparkArguments}. Prints the result record as JSON on the driver's stdout (the same records
 * {@code cutover copy --output json} and {@code cutover verify --output json} print) and exits with the CLI's codes:
 * copy and load 0, or 1 with dead letters; verify 0 identical, 1 different; 2 bad arguments or state directory, 3
 * a side unusable, 4 a failure while running.
 */
public final class CutoverSparkMain {
    /** The context the last {@link #run} used, for {@link #main} to stop. */
    private static volatile SparkContext context;

    private CutoverSparkMain() {
    }

    public static void main(String[] args) {
        int code = run(args);
        SparkContext used = context;
        if (used != null) {
            used.stop();
        }
        System.exit(code);
    }

    /**
     * Runs one job and returns its exit code without exiting: for a wrapper that must not call {@code System.exit}
     * (a Glue job script, a notebook). Uses the active Spark context, or starts one from spark-submit's configuration,
     * and leaves it running.
     */
    public static int run(String[] args) {
        SparkJobSettings settings;
        try {
            settings = SparkArguments.parse(args);
        } catch (CutoverException e) {
            System.err.println("cutover-spark: " + e.getMessage());
            return e.exitCode();
        }
        SparkConf conf = new SparkConf().setAppName("cutover " + settings.job() + " " + settings.sourceName() + " -> "
                + settings.targetTable());
        if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try {
            context = SparkContext.getOrCreate(conf);
            JavaSparkContext spark = JavaSparkContext.fromSparkContext(context);
            if (settings.job().equals("verify")) {
                VerifyResult result = new SparkVerifyJob(spark, settings).run();
                System.out.println(json.writeValueAsString(result));
                return result.identical() ? 0 : 1;
            }
            CopyResult result = new SparkCopyJob(spark, settings).run();
            System.out.println(json.writeValueAsString(result));
            return result.status().equals("completed") ? 0 : result.status().equals("stopped") ? ErrorCode.INTERNAL.exitCode() : 1;
        } catch (CutoverException e) {
            System.err.println("cutover-spark: " + e.getMessage());
            return e.exitCode();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            System.err.println("cutover-spark: cannot print the result: " + e.getMessage());
            return ErrorCode.INTERNAL.exitCode();
        }
    }

    /**
     * A failed Spark job as the task's own {@link CutoverException} (Spark wraps it in its job-aborted exception), or,
     * when there is none, as an {@link ErrorCode#INTERNAL} one carrying Spark's message.
     */
    static CutoverException unwrap(Exception failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof CutoverException ce) {
                return ce;
            }
        }
        return new CutoverException(ErrorCode.INTERNAL, "the Spark job failed: " + failure.getMessage(), failure);
    }
}
