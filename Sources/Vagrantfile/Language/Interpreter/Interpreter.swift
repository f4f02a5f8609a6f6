import BoxerSupport
import Foundation

/// Evaluates a parsed Vagrantfile. One interpreter per file: it knows the file's path (for
/// `__FILE__`, `__dir__` and relative `File.read`), the environment, and the methods the file
/// defines. Runaway programs are stopped by a step budget and a depth limit, never by a crash.
final class Interpreter {
    let file: String
    let directory: String
    let environment: [String: String]
    let host: VagrantHost
    /// The program's top-level constants: one set for every file it loads, as in Ruby, where a
    /// helper file's `NODES = 3` is seen by the Vagrantfile that required it.
    var constants: [String: Value] {
        get { host.userConstants }
        set { host.userConstants = newValue }
    }
    /// Scopes captured by closures, cleared by `releaseCycles` so the interpreter's memory goes.
    var capturedScopes: [Scope] = []
    var steps = 0
    var depth = 0
    /// Methods of the file's classes being run, innermost last (for `super`).
    var frames: [Frame] = []
    /// The blocks given to the methods of the file's own being run, innermost last (for `yield`).
    var givenBlocks: [Closure?] = []

    static let stepLimit = 1_500_000
    static let depthLimit = 150

    init(file: String, environment: [String: String], host: VagrantHost) {
        self.file = file
        self.directory = HostFiles.parent(of: file)
        self.environment = environment
        self.host = host
    }

    /// Runs a whole program at top level.
    func run(_ program: [Node]) throws(VagrantfileError) {
        let scope = Scope()
        do {
            _ = try evaluate(program, scope: scope, selfValue: .null)
        } catch let error as VagrantfileError {
            throw error
        } catch let error as RubyError {
            throw VagrantfileError.passing(error.message, as: .runtime, at: error.location)
        } catch ControlFlow.returnValue {
            return
        } catch ControlFlow.nextValue, ControlFlow.breakValue {
            throw VagrantfileError.controlFlowOutsideBlock()
        } catch {
            throw VagrantfileError.passing("\(error)", as: .runtime, at: nil)
        }
    }

    /// Called when the environment has been built: closures and the scopes they captured refer
    /// to each other, and nothing needs them any more.
    func releaseCycles() {
        for scope in capturedScopes { scope.clear() }
        capturedScopes.removeAll()
        constants.removeAll()
    }

    func error(_ message: String, at location: SourceLocation, className: String = "RuntimeError") -> RubyError {
        RubyError(message, at: location, className: className)
    }

    // MARK: - Evaluation

    func evaluate(_ body: [Node], scope: Scope, selfValue: Value) throws -> Value {
        var result = Value.null
        for node in body { result = try evaluate(node, scope: scope, selfValue: selfValue) }
        return result
    }

    /// Counts one unit of work; every node and every block call costs one, so even an empty
    /// `loop do end` reaches the limit.
    func tick(at location: SourceLocation) throws {
        steps += 1
        if steps > Self.stepLimit {
            throw VagrantfileError.stepLimitExceeded(limit: Self.stepLimit, at: location)
        }
    }

    /// Nesting of `evaluate` itself: a left-deep `1+1+…+1` of 100 000 terms recurses that deep.
    var evaluationDepth = 0
    static let evaluationDepthLimit = 3000

    func evaluate(_ node: Node, scope: Scope, selfValue: Value) throws -> Value {
        try tick(at: node.location)
        evaluationDepth += 1
        defer { evaluationDepth -= 1 }
        if evaluationDepth > Self.evaluationDepthLimit {
            throw VagrantfileError.evaluationNestedTooDeeply(limit: Self.evaluationDepthLimit, at: node.location)
        }
        return try evaluateNode(node, scope: scope, selfValue: selfValue)
    }

    /// One case per kind of node: the table of what each construct means (over 80 lines on
    /// purpose; the longer cases call out to helpers).
    func evaluateNode(_ node: Node, scope: Scope, selfValue: Value) throws -> Value {
        let location = node.location
        switch node.kind {
        case .nilLiteral: return .null
        case .trueLiteral: return .bool(true)
        case .falseLiteral: return .bool(false)
        case .selfReference: return selfValue
        case .integer(let value): return .int(value)
        case .float(let value): return .float(value)
        case .symbol(let name): return .symbol(name)
        case .file: return .string(file)
        case .directory: return .string(directory)
        case .line: return .int(location.line)
        case .string(let pieces):
            return .string(try interpolate(pieces, scope: scope, selfValue: selfValue, at: location))
        case .shell(let pieces):
            let command = try interpolate(pieces, scope: scope, selfValue: selfValue, at: location)
            let result = try HostCommands.run(command, captureOutput: true, captureError: false, interpreter: self, at: location)
            return .string(result?.output ?? "")
        case .regex(let pattern, let options):
            return .regex(try RegexBox(pattern: pattern, options: options, at: location))
        case .array(let items):
            return .array(try evaluateArguments(items, scope: scope, selfValue: selfValue, at: location).all)
        case .hash(let pairs):
            let box = HashBox()
            for (key, value) in pairs {
                if case .nilLiteral = key.kind {
                    // `**other` inside a hash literal.
                    guard case .hash(let other) = try evaluate(value, scope: scope, selfValue: selfValue) else {
                        throw error("** needs a hash", at: value.location)
                    }
                    for pair in other.pairs { box[pair.key] = pair.value }
                    continue
                }
                box[try evaluate(key, scope: scope, selfValue: selfValue)] = try evaluate(value, scope: scope, selfValue: selfValue)
            }
            return .hash(box)
        case .range(let low, let high, let exclusive):
            let lowValue = try low.map { try evaluate($0, scope: scope, selfValue: selfValue) } ?? .null
            let highValue = try high.map { try evaluate($0, scope: scope, selfValue: selfValue) } ?? .null
            // ('a'..'z'): a range of single characters is kept as the array of them (`to_a`, `each`, `include?`).
            if case .string(let from) = lowValue, case .string(let to) = highValue, from.unicodeScalars.count == 1,
                to.unicodeScalars.count == 1, let first = from.unicodeScalars.first?.value, let last = to.unicodeScalars.first?.value
            {
                let end = exclusive ? Int(last) - 1 : Int(last)
                guard Int(first) <= end else { return .array([]) }
                try Builtins.checkSize(end - Int(first) + 1, "array", interpreter: self, at: location)
                var characters: [Value] = []
                for code in Int(first)...end {
                    try tick(at: location)
                    if let scalar = Unicode.Scalar(UInt32(code)) { characters.append(.string(String(Character(scalar)))) }
                }
                return .array(characters)
            }
            return .range(try rangeBound(lowValue, at: location), try rangeBound(highValue, at: location), exclusive: exclusive)
        case .name(let name):
            if let value = scope.lookup(name) { return value }
            return try callFunction(name, Arguments(), scope: scope, selfValue: selfValue, at: location)
        case .constant(let scopeNode, let name):
            if let scopeNode {
                let owner = try evaluate(scopeNode, scope: scope, selfValue: selfValue)
                return try Builtins.call(owner, name, Arguments(), interpreter: self, at: location)
            }
            // The class's own constants (and its ancestors') first, then the program's.
            if let value = lexicalConstant(name, selfValue: selfValue) { return value }
            if let value = host.constant(name, interpreter: self) { return value }
            throw error("uninitialized constant \(name)", at: location, className: "NameError")
        case .global(let name):
            return host.globals[name] ?? host.standardGlobal(name) ?? .null
        case .instanceVariable(let name):
            return readInstanceVariable(name, selfValue: selfValue)
        case .call(let receiverNode, let name, let argumentNodes, let blockLiteral, let safe):
            var arguments = try evaluateArguments(argumentNodes, scope: scope, selfValue: selfValue, at: location)
            if let blockLiteral {
                arguments.block = Closure(
                    blockLiteral, scope: Scope(parent: scope), selfValue: selfValue, isLambda: false, interpreter: self)
            }
            guard let receiverNode else {
                return try callFunction(name, arguments, scope: scope, selfValue: selfValue, at: location)
            }
            let receiver = try evaluate(receiverNode, scope: scope, selfValue: selfValue)
            if safe, case .null = receiver { return .null }
            if case .string(let text) = receiver, StringMutation.methods.contains(name) {
                return try mutateString(text, name, arguments, receiverNode: receiverNode, scope: scope, selfValue: selfValue, at: location)
            }
            return try Builtins.call(receiver, name, arguments, interpreter: self, at: location)
        case .index(let receiverNode, let argumentNodes):
            let receiver = try evaluate(receiverNode, scope: scope, selfValue: selfValue)
            let arguments = try evaluateArguments(argumentNodes, scope: scope, selfValue: selfValue, at: location)
            return try Builtins.call(receiver, "[]", arguments, interpreter: self, at: location)
        case .assign(let target, let valueNode):
            let value = try evaluate(valueNode, scope: scope, selfValue: selfValue)
            try assign(target, value, scope: scope, selfValue: selfValue, at: location)
            return value
        case .operatorAssign(let target, let op, let valueNode):
            let current = try read(target, scope: scope, selfValue: selfValue, at: location)
            let value: Value
            switch op {
            case "||":
                if current.isTruthy { return current }
                value = try evaluate(valueNode, scope: scope, selfValue: selfValue)
            case "&&":
                if !current.isTruthy { return current }
                value = try evaluate(valueNode, scope: scope, selfValue: selfValue)
            default:
                let operand = try evaluate(valueNode, scope: scope, selfValue: selfValue)
                value = try Builtins.call(current, op, Arguments(positional: [operand]), interpreter: self, at: location)
            }
            try assign(target, value, scope: scope, selfValue: selfValue, at: location)
            return value
        case .multipleAssign(let targets, let valueNode):
            let value = try evaluate(valueNode, scope: scope, selfValue: selfValue)
            try destructure(targets, value, scope: scope, selfValue: selfValue, at: location)
            return value
        case .and(let left, let right):
            let value = try evaluate(left, scope: scope, selfValue: selfValue)
            return value.isTruthy ? try evaluate(right, scope: scope, selfValue: selfValue) : value
        case .or(let left, let right):
            let value = try evaluate(left, scope: scope, selfValue: selfValue)
            return value.isTruthy ? value : try evaluate(right, scope: scope, selfValue: selfValue)
        case .not(let operand):
            return .bool(!(try evaluate(operand, scope: scope, selfValue: selfValue)).isTruthy)
        case .defined(let operand):
            switch operand.kind {
            case .name(let name):
                if scope.has(name) { return .string("local-variable") }
                return host.methods[name] != nil || selfMethod(name, selfValue: selfValue) != nil ? .string("method") : .null
            case .global(let name): return host.globals[name] == nil ? .null : .string("global-variable")
            case .constant(nil, let name):
                return (constants[name] ?? lexicalConstant(name, selfValue: selfValue) ?? host.constant(name, interpreter: self)) == nil
                    ? .null : .string("constant")
            default:
                do {
                    _ = try evaluate(operand, scope: scope, selfValue: selfValue)
                    return .string("expression")
                } catch is RubyError {
                    return .null
                }
            }
        case .conditional(let condition, let then, let otherwise):
            if try evaluate(condition, scope: scope, selfValue: selfValue).isTruthy {
                return try evaluate(then, scope: scope, selfValue: selfValue)
            }
            return try otherwise.map { try evaluate($0, scope: scope, selfValue: selfValue) } ?? .null
        case .caseWhen(let subjectNode, let clauses, let otherwise):
            let subject = try subjectNode.map { try evaluate($0, scope: scope, selfValue: selfValue) }
            for (tests, body) in clauses {
                for test in tests {
                    let pattern = try evaluate(test, scope: scope, selfValue: selfValue)
                    let matched =
                        try subject.map { try Builtins.caseEquals(pattern, $0, interpreter: self, at: test.location) } ?? pattern.isTruthy
                    if matched { return try evaluate(body, scope: scope, selfValue: selfValue) }
                }
            }
            return try otherwise.map { try evaluate($0, scope: scope, selfValue: selfValue) } ?? .null
        case .loop(let condition, let body, let until):
            return try loopBody(body, scope: scope, selfValue: selfValue, finished: .null) {
                try self.evaluate(condition, scope: scope, selfValue: selfValue).isTruthy != until
            }
        case .forIn(let target, let sequenceNode, let body):
            let sequence = try evaluate(sequenceNode, scope: scope, selfValue: selfValue)
            var items = try Builtins.elements(of: sequence, interpreter: self, at: location)[...]
            return try loopBody(body, scope: scope, selfValue: selfValue, finished: sequence) {
                guard let item = items.popFirst() else { return false }
                try self.assign(target, item, scope: scope, selfValue: selfValue, at: location)
                return true
            }
        case .define(let name, let parameters, let body):
            defineMethod(name, parameters: parameters, body: body, selfValue: selfValue)
            return .symbol(name)
        case .defineSingleton(let receiver, let name, let parameters, let body):
            try defineSingleton(receiver: receiver, name: name, parameters: parameters, body: body, scope: scope, selfValue: selfValue)
            return .symbol(name)
        case .typeDefinition(let path, let superclass, let body, let isModule):
            return try evaluateTypeDefinition(
                path: path, superclass: superclass, body: body, isModule: isModule, selfValue: selfValue, at: location)
        case .singletonClass(let target, let body):
            return try evaluateSingletonClass(target: target, body: body, scope: scope, selfValue: selfValue, at: location)
        case .superCall(let arguments):
            return try superCall(arguments, scope: scope, selfValue: selfValue, at: location)
        case .returnValue(let value):
            throw ControlFlow.returnValue(try value.map { try evaluate($0, scope: scope, selfValue: selfValue) } ?? .null)
        case .nextValue(let value):
            throw ControlFlow.nextValue(try value.map { try evaluate($0, scope: scope, selfValue: selfValue) } ?? .null)
        case .breakValue(let value):
            throw ControlFlow.breakValue(try value.map { try evaluate($0, scope: scope, selfValue: selfValue) } ?? .null)
        case .begin(let body, let rescues, let otherwise, let ensure):
            defer {
                if let ensure { _ = try? evaluate(ensure, scope: scope, selfValue: selfValue) }
            }
            do {
                let value = try evaluate(body, scope: scope, selfValue: selfValue)
                if let otherwise { return try evaluate(otherwise, scope: scope, selfValue: selfValue) }
                return value
            } catch let raised as RubyError {
                for clause in rescues {
                    if !clause.classes.isEmpty {
                        let names = clause.classes.compactMap { node -> String? in
                            if case .constant(_, let name) = node.kind { return name }
                            return nil
                        }
                        guard
                            names.contains(where: {
                                ["StandardError", "Exception", raised.className].contains($0)
                                    || raised.className.hasSuffix("::" + $0)
                                    || Self.ancestor(
                                        $0, in: raised.ancestors.isEmpty ? Self.builtinAncestors(raised.className) : raised.ancestors)
                            })
                        else { continue }
                    }
                    let exception = raised.exception ?? .object(ExceptionObject(raised))
                    host.globals["$!"] = exception
                    if let variable = clause.variable { scope.assign(variable, exception) }
                    return try evaluate(clause.body, scope: scope, selfValue: selfValue)
                }
                throw raised
            }
        case .lambda(let literal):
            return .proc(Closure(literal, scope: Scope(parent: scope), selfValue: selfValue, isLambda: true, interpreter: self))
        case .yield(let argumentNodes):
            guard let block = givenBlocks.last ?? nil else {
                throw error("no block given (yield)", at: location, className: "LocalJumpError")
            }
            let arguments = try evaluateArguments(argumentNodes, scope: scope, selfValue: selfValue, at: location)
            return try callClosure(block, arguments.positional, keywords: arguments.keywords, at: location)
        case .sequence(let body):
            return try evaluate(body, scope: scope, selfValue: selfValue)
        }
    }

    /// Ruby's own error classes above a built-in error boxer raises (`rescue NameError` catches
    /// a NoMethodError, `rescue SystemCallError` an Errno::ENOENT).
    static func builtinAncestors(_ className: String) -> [String] {
        switch className {
        case "NoMethodError": return ["NameError"]
        case "KeyError", "StopIteration": return ["IndexError"]
        case "FrozenError": return ["RuntimeError"]
        case "FloatDomainError": return ["RangeError"]
        case "ZeroDivisionError": return ["ZeroDivisionError"]
        case _ where className.hasPrefix("Errno::"): return ["SystemCallError"]
        default: return []
        }
    }

    /// Whether `name` (as a rescue clause writes it, maybe without its modules) is one of `ancestors`.
    static func ancestor(_ name: String, in ancestors: [String]) -> Bool {
        ancestors.contains { $0 == name || $0.hasSuffix("::" + name) }
    }

    /// The text of a string literal, its `#{...}` evaluated.
    func interpolate(_ pieces: [Node.Piece], scope: Scope, selfValue: Value, at location: SourceLocation) throws -> String {
        var text = ""
        for piece in pieces {
            switch piece {
            case .text(let value): text += value
            case .code(let code): text += try stringify(try evaluate(code, scope: scope, selfValue: selfValue), at: code.location)
            }
            try Builtins.checkSize(text.utf8.count, "string", interpreter: self, at: location)
        }
        return text
    }

    /// Runs `body` while `proceed` says so, with `next` skipping to the following round and
    /// `break` leaving with its value.
    func loopBody(_ body: [Node], scope: Scope, selfValue: Value, finished: Value, proceed: () throws -> Bool) throws -> Value {
        do {
            while try proceed() {
                do {
                    _ = try evaluate(body, scope: scope, selfValue: selfValue)
                } catch ControlFlow.nextValue {
                    continue
                }
            }
        } catch ControlFlow.breakValue(let value) {
            return value
        }
        return finished
    }

    func rangeBound(_ value: Value, at location: SourceLocation) throws -> Int? {
        switch value {
        case .null: return nil
        case .int(let number): return number
        case .float(let number) where number.isFinite && abs(number) < 1e18: return Int(number)
        default: throw error("ranges of \(value.typeName) are not supported by boxer; use integers", at: location)
        }
    }

    /// `to_s` for interpolation, calling into host objects where needed.
    func stringify(_ value: Value, at location: SourceLocation) throws -> String {
        if case .object = value {
            return try Builtins.call(value, "to_s", Arguments(), interpreter: self, at: location).text
        }
        return value.text
    }

}

/// The top-level `self`.
final class MainObject: RubyObject {
    var typeName: String { "Object" }
    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        throw interpreter.error("undefined method '\(name)' for main", at: location, className: "NoMethodError")
    }
}
