import CLibvirt
import Foundation
import Machines

/// A domain's lifecycle events (started, paused, stopped…) as libvirt sends them, so that
/// waiting for a state wakes when the domain reaches it rather than on a timer. libvirt runs its
/// event loop on a thread of its own (CLibvirt's loader starts it); each event wakes `wait`.
final class LibvirtLifecycleWatch: @unchecked Sendable {
    private let connection: LibvirtConnection
    private let callbackID: Int32
    private let signal: DispatchSemaphore

    /// Starts watching; nil when the daemon cannot send events (callers then poll).
    init?(_ domain: LibvirtDomain) {
        let signal = DispatchSemaphore(value: 0)
        let context = Unmanaged.passRetained(signal as AnyObject).toOpaque()
        let id = boxer_libvirt_watch_lifecycle(
            domain.connection.api, domain.connection.handle, domain.handle,
            { context, _, _ in
                guard let context else { return }
                (Unmanaged<AnyObject>.fromOpaque(context).takeUnretainedValue() as? DispatchSemaphore)?.signal()
            },
            context,
            { context in
                guard let context else { return }
                Unmanaged<AnyObject>.fromOpaque(context).release()
            })
        guard id >= 0 else {
            Unmanaged<AnyObject>.fromOpaque(context).release()
            domain.connection.api.pointee.virResetLastError()
            return nil
        }
        self.connection = domain.connection
        self.callbackID = id
        self.signal = signal
    }

    deinit {
        _ = connection.api.pointee.virConnectDomainEventDeregisterAny(connection.handle, callbackID)
    }

    /// Waits for the next event, or until `deadline`.
    func wait(until deadline: Date) {
        let seconds = max(0, deadline.timeIntervalSinceNow)
        _ = signal.wait(timeout: .now() + seconds)
    }
}

extension LibvirtDomain {
    /// Waits until the domain is in `wanted` or `deadline` passes; returns whether it is. Woken
    /// by the domain's events, and looks again at least every `recheck` seconds in case an event
    /// was lost with a connection.
    func wait(for wanted: virDomainState, until deadline: Date, recheck: Double = 5) throws(MachineError) -> Bool {
        let watch = LibvirtLifecycleWatch(self)
        while true {
            if try state().state == wanted { return true }
            if Date() >= deadline { return false }
            let next = min(deadline, Date().addingTimeInterval(watch == nil ? 0.2 : recheck))
            if let watch { watch.wait(until: next) } else { Thread.sleep(until: next) }
        }
    }
}
