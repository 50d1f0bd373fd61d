package io.github.saestitch.spark;

/**
 * The {@code spark-submit --class io.github.saestitch.spark.SubmitMain saestitch-spark.jar compare …} entry
 * point: runs the saestitch CLI with the master spark-submit was given, so that {@code eval} and
 * {@code compare} run their token pass on the cluster without a {@code --master} of their own.
 */
public final class SubmitMain {
    private SubmitMain() {}

    public static void main(String[] args) {
        String master = System.getProperty("spark.master");
        if (master != null && System.getProperty("saestitch.spark.master") == null) {
            System.setProperty("saestitch.spark.master", master);
        }
        io.github.saestitch.cli.Main.main(args);
    }
}
