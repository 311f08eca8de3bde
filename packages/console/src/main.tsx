// The console's entry: the root (login when the broker asks for one, then the app) for the broker
// the page came from.
import { render } from 'preact'
import { brokerAddress } from './client.js'
import { Root } from './root.js'
import './styles.css'

render(<Root brokerUrl={brokerAddress(location)} />, document.getElementById('app')!)
