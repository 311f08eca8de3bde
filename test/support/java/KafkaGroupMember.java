// A Kafka 4.4 Java consumer of the KIP-848 protocol (group.protocol=consumer) for the tests of
// faecie's Kafka listener, compiled with javac against the cached Kafka jars
// (test/integration/kafka-java-consumer.test.ts):
//
//   java KafkaGroupMember consume BOOTSTRAP GROUP TOPIC COMMIT(true|false)
//       subscribes to TOPIC in GROUP and polls until a line "close" arrives on stdin, then closes
//       (leaving the group) and exits 0. It prints, one line each, on stdout:
//         ASSIGNED p,p,...        its whole assignment, after every change (sorted; empty: none)
//         RECORD p offset value   each record it consumed
//         COMMITTED               after each synchronous commit of what it consumed (COMMIT true:
//                                 after every poll that returned records, and before a revocation)
//         CLOSED                  once closed
//
// Any failure prints "ERROR ..." on stderr and exits 1.
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

public class KafkaGroupMember {
  public static void main(String[] args) throws Exception {
    try {
      if (args[0].equals("consume")) consume(args[1], args[2], args[3], Boolean.parseBoolean(args[4]));
      else throw new IllegalArgumentException("unknown mode " + args[0]);
    } catch (Exception e) {
      System.err.println("ERROR " + e);
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  static String partitions(Collection<TopicPartition> tps) {
    return tps.stream().map(TopicPartition::partition).sorted().map(String::valueOf).collect(Collectors.joining(","));
  }

  static void consume(String bootstrap, String group, String topic, boolean commit) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("group.id", group);
    props.put("group.protocol", "consumer");
    props.put("auto.offset.reset", "earliest");
    props.put("enable.auto.commit", "false");
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    AtomicBoolean closing = new AtomicBoolean(false);
    Thread stdin = new Thread(() -> {
      try {
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null;) if (line.trim().equals("close")) break;
      } catch (java.io.IOException e) {
        // stdin gone: close as if told to
      }
      closing.set(true);
    });
    stdin.setDaemon(true);
    stdin.start();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
          if (commit && !revoked.isEmpty()) {
            consumer.commitSync();
            say("COMMITTED");
          }
        }
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
          say("ASSIGNED " + partitions(consumer.assignment()));
        }
        public void onPartitionsLost(Collection<TopicPartition> lost) {
          say("ASSIGNED " + partitions(consumer.assignment()));
        }
      });
      String last = null;
      while (!closing.get()) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> r : records) say("RECORD " + r.partition() + " " + r.offset() + " " + r.value());
        if (commit && !records.isEmpty()) {
          consumer.commitSync();
          say("COMMITTED");
        }
        String now = partitions(consumer.assignment());
        if (!now.equals(last)) {
          // Revocations print here (onPartitionsRevoked runs before the assignment shrinks).
          say("ASSIGNED " + now);
          last = now;
        }
      }
    }
    say("CLOSED");
  }
}
