// Serializes Kafka protocol messages with Kafka's own generated message classes, for the golden-byte
// test of faecie's generated codecs (test/integration/kafka-codecs-golden.test.ts).
//
// stdin, one line per case:   MessageName<TAB>version<TAB>json      (e.g. ProduceRequest, 9, {...})
// stdout, one line per case:  OK<TAB>hex   or   ERR<TAB>reason
// The JSON is read by Kafka's generated JsonConverter for that version, then written by the
// message's own write() at that version.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.MessageUtil;

public class KafkaGolden {
  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    StringBuilder out = new StringBuilder();
    for (String line; (line = in.readLine()) != null;) {
      if (line.isEmpty()) continue;
      String[] parts = line.split("\t", 3);
      try {
        short version = Short.parseShort(parts[1]);
        Class<?> converter = Class.forName("org.apache.kafka.common.message." + parts[0] + "DataJsonConverter");
        Method read = converter.getMethod("read", JsonNode.class, short.class);
        Message message = (Message) read.invoke(null, mapper.readTree(parts[2]), version);
        ByteBuffer buffer = MessageUtil.toByteBufferAccessor(message, version).buffer();
        buffer.rewind();
        byte[] bytes = MessageUtil.byteBufferToArray(buffer);
        StringBuilder hex = new StringBuilder();
        for (byte b : bytes) hex.append(String.format("%02x", b));
        out.append("OK\t").append(hex).append('\n');
      } catch (Throwable e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        out.append("ERR\t").append(String.valueOf(cause).replace('\n', ' ')).append('\n');
      }
    }
    System.out.print(out);
  }
}
