// Writes ConsumerProtocol bytes with Kafka's own kafka-clients (ConsumerProtocol.serializeSubscription
// and serializeAssignment), for faecie's consumer-protocol golden test
// (test/integration/consumer-protocol-golden.test.ts). stdout, one line per case: name<TAB>hex.
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;

public class ConsumerProtocolGolden {
  static String hex(ByteBuffer buffer) {
    StringBuilder out = new StringBuilder();
    while (buffer.hasRemaining()) out.append(String.format("%02x", buffer.get()));
    return out.toString();
  }

  public static void main(String[] args) {
    ByteBuffer userData = ByteBuffer.wrap(new byte[] {7, 8});
    Subscription plain = new Subscription(Arrays.asList("t", "üu"), null);
    Subscription full = new Subscription(Arrays.asList("t", "u"), userData,
      Arrays.asList(new TopicPartition("t", 0), new TopicPartition("t", 3)), 9, Optional.of("rack-a"));
    for (short v = 0; v <= 3; v++) {
      System.out.println("subscription-plain-v" + v + "\t" + hex(ConsumerProtocol.serializeSubscription(plain, v)));
      System.out.println("subscription-full-v" + v + "\t" + hex(ConsumerProtocol.serializeSubscription(full, v)));
    }
    Assignment none = new Assignment(Arrays.asList(new TopicPartition("t", 0), new TopicPartition("t", 2)), null);
    Assignment some = new Assignment(Collections.singletonList(new TopicPartition("u", 5)), userData);
    for (short v = 0; v <= 3; v++) {
      System.out.println("assignment-plain-v" + v + "\t" + hex(ConsumerProtocol.serializeAssignment(none, v)));
      System.out.println("assignment-full-v" + v + "\t" + hex(ConsumerProtocol.serializeAssignment(some, v)));
    }
  }
}
