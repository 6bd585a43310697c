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
		COMPREPLY=($(compgen -W "record report live list info --help --version" -- "$cur"))
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
		-D | --depth | --thresh | -A | --args | -R | --retval | --ring | --max-size)
			return ;;
		esac
		COMPREPLY=($(compgen -W "-t --tracer -F --filter -N --notrace -G --graph-funcs
			--graph-notrace -D --depth --thresh -A --args -R --retval --no-libcall -o
			--output -f --force --ring --max-size --log --help --" -- "$cur"))
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
