// What a page about a topic shows when the broker has no topic of that name (a stale link, a
// deleted topic, a typo in the address): that it is not there, and the way back. No actions.
import { href } from '../router.js'

export function TopicNotFound({ topic }: { topic: string }) {
  return (
    <section class="card not-found" data-testid="topic-not-found">
      <div class="card-title">Topic not found</div>
      <p>The broker has no topic named <code>{topic}</code>. It may have been deleted, or the name mistyped.</p>
      <a href={href('topics')}>← All topics</a>
    </section>
  )
}
