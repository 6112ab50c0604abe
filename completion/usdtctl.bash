# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# bash completion for usdtctl(8). Works with or without the bash-completion package.
# tests/bats/help.bats checks these option lists against every --help and the man page.

# global options go before or after the command; the main ones only before it
_usdtctl_global_opts="-j --json -v --verbose --legacy-attach"
_usdtctl_main_opts="-h --help -V --version"
_usdtctl_commands="list trace latency features calls flow gc objnew threads queries stat help"
_usdtctl_list_opts="-p --pid -h --help"
_usdtctl_trace_opts="-p --pid -f --follow -c --command --cgroup -o --output --strlen --filter --count --stats --hist --lhist --by --top --max-keys --stack --folded -i --interval --prometheus --perfetto -d --duration -n --events -h --help"
_usdtctl_latency_opts="-p --pid -c --command -o --output --pair --by --hist --stats --slower --filter --top --max-keys -i --interval --prometheus --perfetto -d --duration -h --help"
_usdtctl_features_opts="-h --help"
# the runtime commands; their RUNTIME comes from the runtime catalog
_usdtctl_calls_opts="-p --pid -c --command --filter --latency --top -i --interval --prometheus --perfetto -d --duration -h --help"
_usdtctl_flow_opts="-p --pid -c --command --filter --perfetto -d --duration -h --help"
_usdtctl_events_opts="-p --pid -c --command --filter -d --duration -h --help"
_usdtctl_gc_opts="$_usdtctl_events_opts"
_usdtctl_objnew_opts="-p --pid -c --command --filter --top -i --interval --prometheus -d --duration -h --help"
_usdtctl_threads_opts="$_usdtctl_events_opts"
_usdtctl_queries_opts="-p --pid -c --command --filter --slower --top -i --interval --prometheus --perfetto -d --duration -h --help"
_usdtctl_stat_opts="-p --pid -c --command --filter -i --interval -d --duration -h --help"

# The probe names (provider:name) of the files and the process already on the command line.
_usdtctl_probes() { # _usdtctl_probes USDTCTL FIRST_ARG_INDEX
	local i w args=()
	for ((i = $2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-p | --pid) ((i + 1 < COMP_CWORD)) && args+=(-p "${COMP_WORDS[i + 1]}") && ((i++)) ;;
		-*) ;;
		*) [[ -f $w ]] && args+=("$w") ;;
		esac
	done
	((${#args[@]})) || return 0
	"$1" list "${args[@]}" 2>/dev/null | awk '!seen[$2]++ { print $2 }'
}

_usdtctl() {
	local cur prev line word cmd='' cmd_idx=0 opts i
	COMPREPLY=()
	# the whole word at the cursor: ':' (in COMP_WORDBREAKS) splits provider:name otherwise
	line=${COMP_LINE:0:COMP_POINT}
	word=${line##*[[:space:]]}
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*)
			cmd=${COMP_WORDS[i]} cmd_idx=$i
			break
			;;
		esac
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$_usdtctl_global_opts $_usdtctl_main_opts" \
				-- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$_usdtctl_commands" -- "$cur")
		fi
		return 0
	fi

	case $cmd in
	list) opts="$_usdtctl_list_opts $_usdtctl_global_opts" ;;
	trace) opts="$_usdtctl_trace_opts $_usdtctl_global_opts" ;;
	latency) opts="$_usdtctl_latency_opts $_usdtctl_global_opts" ;;
	features) opts="$_usdtctl_features_opts $_usdtctl_global_opts" ;;
	calls | flow | gc | objnew | threads | queries | stat)
		opts="_usdtctl_${cmd}_opts"
		opts="${!opts} $_usdtctl_global_opts"
		;;
	*) return 0 ;;
	esac
	case $prev in
	-p | --pid)
		mapfile -t COMPREPLY < <(compgen -W "$(ps -eo pid= 2>/dev/null)" -- "$cur")
		return 0
		;;
	-c | --command)
		mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		return 0
		;;
	-i | --interval | -d | --duration | -n | --events | --filter | --top | --max-keys | --slower | --prometheus | --strlen)
		return 0
		;;
	--perfetto | -o | --output)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--pair)
		mapfile -t COMPREPLY < <(compgen -W "tid pid arg0 arg1 arg2 arg3" -- "$cur")
		return 0
		;;
	--stats | --hist | --lhist)
		# latency's --stats and --hist take no argument
		if [[ $cmd != latency ]]; then
			mapfile -t COMPREPLY < <(compgen -W "arg0 arg1 arg2 arg3 arg4 arg5" -- "$cur")
			return 0
		fi
		;;
	--by)
		mapfile -t COMPREPLY < <(compgen -W "probe arg0 arg1 arg2 arg3 pid tid comm stack" -- "$cur")
		return 0
		;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return 0
	fi
	[[ $cmd == features ]] && return 0
	case $cmd in
	calls | flow | gc | objnew | threads | queries | stat)
		# RUNTIME: the runtimes with the command's probes, as its --help names them
		mapfile -t COMPREPLY < <(compgen -W "$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null |
			sed -n 's/^Runtimes with .* probes: \([^.]*\)\..*/\1/p' | tr -d ,)" -- "$cur")
		return 0
		;;
	esac

	# TARGETs are files; PATTERN/PROBE are the probes of the TARGETs named so far
	mapfile -t COMPREPLY < <(compgen -W "$(_usdtctl_probes "${COMP_WORDS[0]}" $((cmd_idx + 1)))" \
		-- "$word")
	if [[ $word == *:* && $COMP_WORDBREAKS == *:* ]]; then
		# bash replaces only the part after the last ':'
		COMPREPLY=("${COMPREPLY[@]#"${word%"${word##*:}"}"}")
	else
		mapfile -t -O ${#COMPREPLY[@]} COMPREPLY < <(compgen -f -- "$cur")
	fi
	return 0
}

complete -F _usdtctl usdtctl
