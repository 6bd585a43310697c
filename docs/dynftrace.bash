# bash completion for dynftrace(1)

_dynftrace_funcs()
{
	# Functions of the command being recorded, if it is known already.
	local i prog=
	for ((i = 2; i < ${#COMP_WORDS[@]} - 1; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			prog=${COMP_WORDS[i + 1]}
			break
		fi
	done
	[[ -n $prog ]] && dynftrace list "$prog" 2>/dev/null
}

_dynftrace()
{
	local cur prev cmd
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	}
	cmd=${COMP_WORDS[1]}

	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "record report live list info top ctl ps --help --version" -- "$cur"))
		COMPREPLY=($(compgen -W "record report live list top ctl ps patch --help --version" -- "$cur"))
		return
	fi

	local i
	for ((i = 2; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			# The traced command and its arguments.
			if ((COMP_CWORD == i + 1)); then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return
		fi
	done

	case $cmd in
	record | live)
		case $prev in
		-t | --tracer)
			COMPREPLY=($(compgen -W "function function_graph profile" -- "$cur"))
			return ;;
		-o | --output)
			COMPREPLY=($(compgen -d -- "$cur"))
			return ;;
		-F | --filter | -N | --notrace | -G | --graph-funcs | --graph-notrace)
			COMPREPLY=($(compgen -W "$(_dynftrace_funcs)" -- "$cur"))
			return ;;
		--log)
			COMPREPLY=($(compgen -W "error warn info debug" -- "$cur"))
			return ;;
		-D | --depth | --thresh | -A | --args | -R | --retval | --ring | --max-size | --duration)
			return ;;
		-p | --pid)
			COMPREPLY=($(compgen -W "$(dynftrace ps 2>/dev/null | awk 'NR > 1 { print $1 }')" -- "$cur"))
			return ;;
		esac
		COMPREPLY=($(compgen -W "-t --tracer -F --filter -N --notrace -G --graph-funcs
			--graph-notrace -D --depth --thresh -A --args -R --retval --no-libcall -o
			--output -f --force --ring --max-size --log -p --pid --duration --patch --help
			--" -- "$cur"))
		[[ $cur == -* ]] || COMPREPLY+=($(compgen -c -- "$cur"))
		;;
	report)
		case $prev in
		--format)
			COMPREPLY=($(compgen -W "text graph chrome perfetto folded svg profile task" -- "$cur"))
			return ;;
		-i | --input | --diff)
			COMPREPLY=($(compgen -d -- "$cur"))
			return ;;
		-o | --output)
			COMPREPLY=($(compgen -f -- "$cur"))
			return ;;
		--demangle)
			COMPREPLY=($(compgen -W "simple full no" -- "$cur"))
			return ;;
		-s | --sort)
			COMPREPLY=($(compgen -W "total self" -- "$cur"))
			return ;;
		-O | --option)
			COMPREPLY=($(compgen -W "abstime proc tail retval raw noabstime noproc
				notail noretval noraw" -- "$cur"))
			return ;;
		-F | --filter | -N | --notrace | -C | --caller | --tid | --pid | -D | --depth | \
			-t | --duration-min | -r | --time-range)
			return ;;
		esac
		COMPREPLY=($(compgen -W "-i --input --format --tid --pid -F --filter -N --notrace
			-C --caller -D --depth -t --duration-min -r --time-range --demangle --task
			--diff -o --output -s --sort -O --option --help" -- "$cur"))
		;;
	info)
		case $prev in
		-i | --input)
			COMPREPLY=($(compgen -d -- "$cur"))
			return ;;
		esac
		COMPREPLY=($(compgen -W "-i --input --help" -- "$cur"))
		;;
	top)
		case $prev in
		-p | --pid)
			COMPREPLY=($(compgen -W "$(dynftrace ps 2>/dev/null | awk 'NR > 1 { print $1 }')" -- "$cur"))
			return ;;
		-d | --delay | -n | --iterations | -F | --filter | -l | --lines)
			return ;;
		esac
		COMPREPLY=($(compgen -W "-p --pid -d --delay -n --iterations -F --filter -l --lines
			--help" -- "$cur"))
		;;
	ctl)
		if ((COMP_CWORD == 2)) || { ((COMP_CWORD == 3)) && [[ ${COMP_WORDS[2]} == --attach ]]; }; then
			COMPREPLY=($(compgen -W "--attach $(dynftrace ps 2>/dev/null | awk 'NR > 1 { print $1 }')" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "status available_filter_functions enabled_functions
				set_ftrace_filter set_ftrace_notrace set_graph_function current_tracer
				tracing_on trace trace_pipe detach help nop function function_graph profile
				snapshot -o" -- "$cur"))
		fi
		;;
	list)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-a --addr -r --raw --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur") $(compgen -c -- "$cur"))
		fi
		;;
	esac
}
complete -F _dynftrace dynftrace
