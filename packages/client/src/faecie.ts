// The client's front door: `new Faecie({brokers, clientId})`, then admin(), producer() and consumer(),
// each with a connection of its own (as kafkajs's are), so a consumer's long polls never hold up a
// producer's acks. consumer({ groupId }) makes a group member, consumer() a group-less reader. Nothing connects until used (or until connect() is called on the part).
import { Admin } from './admin.js'
import { type ClientConfig, type FaecieConfig, resolveConfig } from './config.js'
import { Consumer } from './consumer/consumer.js'
import type { ConsumerConfig } from './consumer/config.js'
import type { GroupConsumerConfig } from './consumer/group-config.js'
import { GroupConsumer } from './consumer/group-consumer.js'
import type { ProducerConfig } from './producer/config.js'
import { Producer } from './producer/producer.js'

export class Faecie {
  readonly config: ClientConfig

  constructor(config: FaecieConfig) {
    this.config = resolveConfig(config)
  }

  admin(): Admin {
    return new Admin(this.config)
  }

  producer(config: ProducerConfig = {}): Producer {
    return new Producer(this.config, config)
  }

  /** With a groupId, a member of that consumer group (subscribe()); without, a consumer you assign() partitions to. */
  consumer(config: GroupConsumerConfig): GroupConsumer
  consumer(config?: ConsumerConfig): Consumer
  consumer(config: ConsumerConfig | GroupConsumerConfig = {}): Consumer | GroupConsumer {
    if ('groupId' in config && config.groupId !== undefined) return new GroupConsumer(this.config, config)
    return new Consumer(this.config, config)
  }
}
