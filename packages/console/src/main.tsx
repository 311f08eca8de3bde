// The console's entry: one client for the broker the page came from, and the app.
import { render } from 'preact'
import { App } from './app.js'
import { ConsoleClient, brokerAddress } from './client.js'
import './styles.css'

const client = new ConsoleClient(brokerAddress(location))
render(<App client={client} />, document.getElementById('app')!)
