import BoxerCommands
import BoxerSupport

BoxerLog.bootstrap()
Boxer.runFromMain()
