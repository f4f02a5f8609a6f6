import BoxerSupport
import Foundation

/// Calls: functions, closures, parameters bound to arguments, `yield`.
extension Interpreter {
    /// A call without a receiver: a method the file defined, else a Kernel function.
    func callFunction(_ name: String, _ arguments: Arguments, scope: Scope, selfValue: Value, at location: SourceLocation) throws -> Value {
        if let method = selfMethod(name, selfValue: selfValue) {
            return try invoke(method, on: selfValue, arguments, at: location)
        }
        if case .object(let type as RubyClass) = selfValue, ClassBodyMethods.names.contains(name) {
            return try ClassBodyMethods.call(type, name, arguments, interpreter: self, at: location)
        }
        if let method = host.methods[name] {
            return try invoke(name, parameters: method.parameters, body: method.body, arguments, at: location)
        }
        for module in host.includedModules.reversed() {
            if let method = module.lookup(name) { return try invoke(method, on: selfValue, arguments, at: location) }
        }
        if case .object(let object) = selfValue, !(object is MainObject), !(object is RubyInstance), !(object is RubyClass) {
            return try object.call(name, arguments, interpreter: self, at: location)
        }
        if case .object(let instance as RubyInstance) = selfValue, instance.lookup("method_missing") != nil {
            // Kernel's functions first, then the object's method_missing, as in Ruby.
            do {
                return try Kernel.call(name, arguments, interpreter: self, scope: scope, at: location)
            } catch let error as RubyError
                where error.className == "NameError" && error.message.hasPrefix("undefined local variable or method '\(name)'")
            {
                return try ObjectMethods.call(instance, name, arguments, interpreter: self, at: location)
            }
        }
        return try Kernel.call(name, arguments, interpreter: self, scope: scope, at: location)
    }

    func enter(at location: SourceLocation) throws {
        depth += 1
        if depth > Self.depthLimit {
            depth -= 1
            throw VagrantfileError.callDepthExceeded(limit: Self.depthLimit, at: location)
        }
    }

    func invoke(_ name: String, parameters: [Parameter], body: [Node], _ arguments: Arguments, at location: SourceLocation) throws -> Value
    {
        try enter(at: location)
        defer { depth -= 1 }
        givenBlocks.append(arguments.block)
        defer { givenBlocks.removeLast() }
        let scope = Scope()
        try bind(parameters, arguments, into: scope, strict: true, name: name, at: location)
        do {
            return try evaluate(body, scope: scope, selfValue: .null)
        } catch ControlFlow.returnValue(let value) {
            return value
        }
    }

    func callClosure(_ closure: Closure, _ values: [Value], block: Closure? = nil, keywords: HashBox? = nil, at location: SourceLocation)
        throws -> Value
    {
        try tick(at: location)
        try enter(at: location)
        defer { depth -= 1 }
        let scope = Scope(parent: closure.scope)
        var arguments = Arguments(positional: values, keywords: keywords, block: block)
        // A block given one array and taking several parameters spreads it (`|k, v|` over pairs).
        if !closure.isLambda, values.count == 1, case .array(let box) = values[0], closure.parameters.count > 1 {
            arguments.positional = box.items
        }
        try bind(
            closure.parameters, arguments, into: scope, strict: closure.isLambda, name: "block", selfValue: closure.selfValue, at: location)
        do {
            return try evaluate(closure.body, scope: scope, selfValue: closure.selfValue)
        } catch ControlFlow.nextValue(let value) {
            return value
        } catch ControlFlow.returnValue(let value) where closure.isLambda {
            return value
        }
    }

    func bind(
        _ parameters: [Parameter], _ arguments: Arguments, into scope: Scope, strict: Bool, name: String, selfValue: Value = .null,
        at location: SourceLocation
    ) throws {
        var positional = arguments.positional
        var keywords = arguments.keywords
        let takesKeywords = parameters.contains {
            if case .keyword = $0.kind { return true }
            if case .keywordRest = $0.kind { return true }
            return false
        }
        if !takesKeywords, let given = keywords {
            positional.append(.hash(given))
            keywords = nil
        }
        let required = parameters.filter {
            if case .required = $0.kind { return true }
            if case .destructure = $0.kind { return true }
            return false
        }.count
        let optional = parameters.filter { if case .optional = $0.kind { return true } else { return false } }.count
        let hasRest = parameters.contains { if case .rest = $0.kind { return true } else { return false } }
        if strict, positional.count < required || (!hasRest && positional.count > required + optional) {
            throw error(
                "wrong number of arguments calling \(name) (given \(positional.count), expected \(required)\(optional > 0 ? "..\(required + optional)" : ""))",
                at: location, className: "ArgumentError")
        }
        var available = max(0, positional.count - required)
        var index = 0
        for parameter in parameters {
            switch parameter.kind {
            case .required:
                scope.declare(parameter.name, index < positional.count ? positional[index] : .null)
                index += 1
            case .destructure(let inner):
                let value = index < positional.count ? positional[index] : .null
                index += 1
                let items: [Value]
                if case .array(let box) = value { items = box.items } else { items = [value] }
                try bind(inner, Arguments(positional: items), into: scope, strict: false, name: name, at: location)
            case .optional(let defaultNode):
                if available > 0, index < positional.count {
                    scope.declare(parameter.name, positional[index])
                    index += 1
                    available -= 1
                } else {
                    scope.declare(parameter.name, try evaluate(defaultNode, scope: scope, selfValue: selfValue))
                }
            case .rest:
                let remainingRequired = parameters.dropFirst(
                    parameters.firstIndex { $0.name == parameter.name }.map { $0 + 1 } ?? parameters.count
                )
                .filter { if case .required = $0.kind { return true } else { return false } }.count
                let end = max(index, positional.count - remainingRequired)
                scope.declare(parameter.name, .array(index < end ? Array(positional[index..<end]) : []))
                index = end
            case .keyword(let defaultNode):
                if let value = keywords?[.symbol(parameter.name)] {
                    scope.declare(parameter.name, value)
                    keywords?[.symbol(parameter.name)] = nil
                } else if let defaultNode {
                    scope.declare(parameter.name, try evaluate(defaultNode, scope: scope, selfValue: selfValue))
                } else {
                    throw error("missing keyword: :\(parameter.name)", at: location, className: "ArgumentError")
                }
            case .keywordRest:
                scope.declare(parameter.name, .hash(keywords ?? HashBox()))
            case .block:
                scope.declare(parameter.name, arguments.block.map { .proc($0) } ?? .null)
            }
        }
    }

    /// Calls the block given to a builtin, or fails with Ruby's message.
    func yieldTo(_ block: Closure?, _ values: [Value], method: String, at location: SourceLocation) throws -> Value {
        guard let block else { throw error("\(method) needs a block", at: location, className: "LocalJumpError") }
        return try callClosure(block, values, at: location)
    }
}
