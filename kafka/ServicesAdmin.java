// Helper of scripts/services, run in one JVM per start so that waiting for the
// broker and creating the project's topics costs a single Java launch:
//
//   java -cp 'kafka/jars/*' ServicesAdmin BOOTSTRAP TIMEOUT_SECONDS NAME:PARTITIONS...
//   java -cp 'kafka/jars/*' ServicesAdmin BOOTSTRAP TIMEOUT_SECONDS --delete-prefix PREFIX
//
// It waits until the broker answers a topic listing, creates the topics that are
// missing (replication factor 1), waits until every partition of those topics
// has a leader, and prints one line per topic. With --delete-prefix it deletes
// every topic whose name starts with PREFIX instead (bench/run's topics) and
// prints one line per topic deleted. Exit status: 0 done, 2 the broker did not
// answer in time, 1 anything else (message on stderr).
// It logs in with SASL/SCRAM-SHA-256 when HOTLINE_SERVICES_SASL_USERNAME and
// HOTLINE_SERVICES_SASL_PASSWORD are set (from the environment, so that the
// password is not on a command line).
// Compiled once by scripts/services with javac when a JDK is present, else run
// as a source file (`java ServicesAdmin.java ...`, Java 11+).

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

public final class ServicesAdmin {
    private static final int NOT_READY = 2;

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: ServicesAdmin BOOTSTRAP TIMEOUT_SECONDS NAME:PARTITIONS...");
            System.exit(1);
        }
        String bootstrap = args[0];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
        Map<String, Integer> wanted = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            String[] nameAndCount = args[i].split(":", 2);
            wanted.put(nameAndCount[0], nameAndCount.length > 1 ? Integer.parseInt(nameAndCount[1]) : 1);
        }

        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "hotline-services");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 100);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        String user = System.getenv("HOTLINE_SERVICES_SASL_USERNAME");
        String password = System.getenv("HOTLINE_SERVICES_SASL_PASSWORD");
        if (user != null && password != null) {
            props.put("security.protocol", "SASL_PLAINTEXT");
            props.put("sasl.mechanism", "SCRAM-SHA-256");
            props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                    + " username=\"" + user + "\" password=\"" + password + "\";");
        }

        try (Admin admin = Admin.create(props)) {
            Set<String> existing = waitForListing(admin, deadline);
            if (existing == null) {
                System.err.println("kafka: no answer to a topic listing from " + bootstrap);
                System.exit(NOT_READY);
            }
            if (args.length == 4 && args[2].equals("--delete-prefix")) {
                deleteByPrefix(admin, existing, args[3], deadline);
                System.exit(0);
            }

            List<NewTopic> toCreate = new ArrayList<>();
            for (Map.Entry<String, Integer> e : wanted.entrySet()) {
                if (!existing.contains(e.getKey())) {
                    toCreate.add(new NewTopic(e.getKey(), e.getValue(), (short) 1));
                }
            }
            List<String> created = new ArrayList<>();
            if (!toCreate.isEmpty()) {
                Map<String, org.apache.kafka.common.KafkaFuture<Void>> results =
                        admin.createTopics(toCreate).values();
                for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> r : results.entrySet()) {
                    try {
                        r.getValue().get(remainingMs(deadline, 1000), TimeUnit.MILLISECONDS);
                        created.add(r.getKey());
                    } catch (ExecutionException ex) {
                        if (!(ex.getCause() instanceof TopicExistsException)) {
                            throw ex;
                        }
                    }
                }
            }

            Map<String, TopicDescription> described = waitForLeaders(admin, wanted.keySet(), deadline);
            if (described == null) {
                System.err.println("kafka: partitions of the topics have no leader yet");
                System.exit(NOT_READY);
            }
            for (Map.Entry<String, Integer> e : wanted.entrySet()) {
                int partitions = described.get(e.getKey()).partitions().size();
                String note = created.contains(e.getKey()) ? "created" : "exists";
                if (partitions != e.getValue()) {
                    note += ", WARNING: wanted " + e.getValue() + " partitions";
                }
                System.out.printf("kafka: topic %s (%d partitions, %s)%n", e.getKey(), partitions, note);
            }
        } catch (Exception ex) {
            System.err.println("kafka: " + ex);
            System.exit(1);
        }
        System.exit(0);
    }

    /** Deletes the topics of @p existing whose name starts with @p prefix. */
    private static void deleteByPrefix(Admin admin, Set<String> existing, String prefix, long deadline)
            throws Exception {
        List<String> doomed = new ArrayList<>();
        for (String name : existing) {
            if (!prefix.isEmpty() && name.startsWith(prefix)) {
                doomed.add(name);
            }
        }
        if (doomed.isEmpty()) {
            return;
        }
        admin.deleteTopics(doomed).all().get(remainingMs(deadline, 1000), TimeUnit.MILLISECONDS);
        for (String name : doomed) {
            System.out.printf("kafka: topic %s deleted%n", name);
        }
    }

    /** Topic names once the broker answers a listing, or null at the deadline. */
    private static Set<String> waitForListing(Admin admin, long deadline) throws InterruptedException {
        while (true) {
            try {
                return admin.listTopics(new ListTopicsOptions().listInternal(true).timeoutMs(3000))
                        .names().get(remainingMs(deadline, 100), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
                if (System.nanoTime() >= deadline) {
                    return null;
                }
                Thread.sleep(200);
            }
        }
    }

    /** Descriptions once every partition has a leader, or null at the deadline. */
    private static Map<String, TopicDescription> waitForLeaders(Admin admin, Collection<String> topics,
                                                                long deadline) throws InterruptedException {
        while (true) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames()
                        .get(remainingMs(deadline, 100), TimeUnit.MILLISECONDS);
                boolean ready = true;
                for (TopicDescription td : d.values()) {
                    for (TopicPartitionInfo p : td.partitions()) {
                        ready &= p.leader() != null && !p.leader().isEmpty();
                    }
                }
                if (ready) {
                    return d;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
                // Freshly created topics may not be in the metadata yet: retry.
            }
            if (System.nanoTime() >= deadline) {
                return null;
            }
            Thread.sleep(100);
        }
    }

    private static long remainingMs(long deadline, long atLeast) {
        return Math.max(atLeast, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }
}
