import BoxerCommands
import BoxerSupport

BoxerLog.bootstrap()
// Top-level `await Boxer.main()` resolves to the synchronous overload; run the async path explicitly.
await Boxer.run()
