console.log(JSON.stringify({ msg: 'usage-monitor' }));
